import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { runInit } from '../../init/pipeline.js';
import type { InitResult } from '../../init/pipeline.js';
import { renderInit } from '../render/init-summary.js';

export default class Init extends BaseCommand {
  static override summary = 'Scan a repository and generate its observability stack';

  static override description = `Reads DIR (compose file, Kubernetes manifests, requirements/pyproject, package.json), writes the system model DIR/obs.yaml and generates OpenTelemetry instrumentation per service under DIR/observability/.

Later runs read obs.yaml instead of rescanning (edit it freely); --rescan merges a new scan into it, keeping your edits. A generated file you edited is kept byte for byte and obs's new version is written beside it as <file>.obs-new. Nothing is written unless every file can be.`;

  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init examples/shop --dry-run',
    '<%= config.bin %> init --rescan',
    '<%= config.bin %> init --json',
  ];

  static override args = {
    dir: Args.directory({ description: 'repository root', default: '.', exists: false }),
  };

  static override flags = {
    'dry-run': Flags.boolean({
      description: 'write nothing; show a diff of every file that would change',
      exclusive: ['force'],
    }),
    force: Flags.boolean({
      description: 'replace generated files you edited (no .obs-new proposals)',
    }),
    rescan: Flags.boolean({
      description: 'scan again and merge the result into obs.yaml, keeping your edits',
    }),
  };

  async run(): Promise<InitResult> {
    const { args, flags } = await this.parse(Init);
    const progress = this.progress();
    let result: InitResult;
    try {
      result = await runInit({
        dir: args.dir,
        mode: flags['dry-run'] ? 'dry-run' : flags.force ? 'force' : 'default',
        rescan: flags.rescan,
        onProgress: progress.update,
      });
    } finally {
      progress.stop();
    }
    this.print(renderInit(result));
    return result;
  }
}
