import { Args, Flags } from '@oclif/core';
import { createLogAnalysis } from '../../../analyze/logs/analyze.js';
import { writeAssignments } from '../../../analyze/logs/assignments.js';
import { renderMarkdown, renderText } from '../../../analyze/logs/render.js';
import type { LogReport } from '../../../analyze/logs/report-types.js';
import { BaseCommand } from '../../base-command.js';

export default class AnalyzeLogs extends BaseCommand {
  static override description =
    'Mine log templates and report error patterns per service, new and spiking against a baseline, with trace ids';

  static override examples = [
    '<%= config.bin %> analyze logs app.log',
    '<%= config.bin %> analyze logs incident/*.log.gz --baseline yesterday/*.log.gz --format markdown',
    '<%= config.bin %> analyze logs HDFS.log --log-format "<Date> <Time> <Pid> <Level> <Component>: <Content>"',
    '<%= config.bin %> analyze logs app.log --emit-assignments patterns.csv --json',
  ];

  static override strict = false;

  static override args = {
    files: Args.string({
      description: 'log files (plain, JSON lines, OTLP JSON, gzip); - for stdin',
      required: true,
    }),
  };

  static override flags = {
    baseline: Flags.string({
      description: 'log files of a normal period to compare with',
      multiple: true,
    }),
    'log-format': Flags.string({
      description:
        'header format in Loghub style, e.g. "<Date> <Time> <Level> <Component>: <Content>" (default: recognized)',
    }),
    'emit-assignments': Flags.string({
      description: 'write the pattern of every input line to this CSV file',
    }),
    format: Flags.string({
      description: 'report format',
      options: ['text', 'markdown'],
      default: 'text',
    }),
    top: Flags.integer({
      description: 'patterns listed per service and ranking',
      min: 1,
      default: 10,
    }),
    workers: Flags.integer({
      description:
        'worker threads that each mine a part of the input while the main thread mines the first; 0 none (default: 1 for inputs over 32 MB, else 0)',
      min: 0,
      max: 32,
    }),
  };

  async run(): Promise<LogReport> {
    const { argv, flags } = await this.parse(AnalyzeLogs);
    const files = argv as string[];
    const progress = this.progress();
    const analysis = createLogAnalysis({
      files,
      baseline: flags.baseline ?? [],
      ...(flags['log-format'] !== undefined ? { logFormat: flags['log-format'] } : {}),
      top: flags.top,
      ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
      assignments: flags['emit-assignments'] !== undefined,
      onProgress: progress.update,
    });
    let result;
    try {
      result = await analysis.run();
    } finally {
      progress.stop();
    }
    if (flags['emit-assignments'] !== undefined) {
      await writeAssignments(flags['emit-assignments'], result.assignments(), files.length > 1);
    }
    this.print(
      flags.format === 'markdown' ? renderMarkdown(result.report) : renderText(result.report),
    );
    return result.report;
  }
}
