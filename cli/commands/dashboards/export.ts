import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { ExitCode, ObsError, messageOf } from '../../../core/errors.js';
import { writeOutputFile } from '../../../core/writer.js';
import { toGrafanaComFormat } from '../../../dashboards/export.js';
import { dashboardText } from '../../../dashboards/generator.js';
import { loadDashboardSet } from '../../../dashboards/source.js';
import { MODEL_FILE } from '../../../model/load.js';
import { BaseCommand } from '../../base-command.js';

export interface ExportResult {
  out: string;
  files: { uid: string; title: string; file: string; source: string }[];
  notes: string[];
}

export default class DashboardsExport extends BaseCommand {
  static override summary = 'Write the dashboards in the grafana.com import format';
  static override description =
    'Each dashboard becomes one JSON file with __inputs and __requires: importing it (Grafana: Dashboards > New > Import) asks for the Prometheus datasource and the Jaeger and Kibana URLs. Reads the dashboards obs init wrote, or builds them from obs.yaml with --from-model.';

  static override examples = ['<%= config.bin %> <%= command.id %> --out grafana-export'];

  static override flags = {
    model: Flags.string({ description: 'The system model', default: MODEL_FILE }),
    out: Flags.string({ description: 'Folder to write the files to', default: 'grafana-export' }),
    'from-model': Flags.boolean({
      description: 'Build the dashboards from obs.yaml instead of reading the generated files',
    }),
  };

  async run(): Promise<ExportResult> {
    const { flags } = await this.parse(DashboardsExport);
    const set = await loadDashboardSet(flags.model, { fromModel: flags['from-model'] });
    try {
      await mkdir(flags.out, { recursive: true });
    } catch (err) {
      throw new ObsError(`cannot create the output folder: ${messageOf(err)}`, {
        code: 'OBS_WRITE_FAILED',
        exit: ExitCode.cantCreate,
        file: flags.out,
      });
    }
    const files: ExportResult['files'] = [];
    for (const d of set.dashboards) {
      const file = path.join(flags.out, `${d.uid}.json`);
      await writeOutputFile(file, dashboardText(toGrafanaComFormat(d.json)));
      files.push({ uid: d.uid, title: d.title, file, source: d.source });
      this.print(`wrote ${file}  (${d.title})`);
    }
    return { out: flags.out, files, notes: set.notes };
  }
}
