import { Flags } from '@oclif/core';
import { ExitCode, ObsError } from '../../../core/errors.js';
import { GrafanaClient } from '../../../dashboards/grafana.js';
import type { PushResult } from '../../../dashboards/push.js';
import { pushDashboards } from '../../../dashboards/push.js';
import { loadDashboardSet } from '../../../dashboards/source.js';
import { MODEL_FILE } from '../../../model/load.js';
import { BaseCommand } from '../../base-command.js';
import { readSecret } from '../../secret.js';

/** Environment variables the token is read from, first match wins. */
export const TOKEN_ENV = ['OBS_GRAFANA_TOKEN', 'GRAFANA_TOKEN'] as const;

export default class DashboardsPush extends BaseCommand {
  static override summary =
    "Create the system's folder in Grafana and create or update its dashboards";
  static override description = `Reads obs.yaml and the dashboards obs init wrote (your edits included; --from-model builds them afresh), then, through Grafana's HTTP API, creates the folder and saves each dashboard, reporting which were created, updated or unchanged.

The token (a service account token with the Editor role) comes from ${TOKEN_ENV.join(' or ')}, or from standard input with --token-stdin; it is never printed. Server errors and timeouts are retried with backoff. A push replaces edits made in Grafana before it started (--dry-run shows them). A dashboard saved in Grafana while the push runs, or another dashboard with the same title, is left alone and reported: the next push replaces the former, --overwrite replaces both at once.`;

  static override examples = [
    'OBS_GRAFANA_TOKEN=glsa_... <%= config.bin %> <%= command.id %> --url http://127.0.0.1:3000',
    'pass grafana/token | <%= config.bin %> <%= command.id %> --url https://grafana.example.com --token-stdin --dry-run',
  ];

  static override flags = {
    url: Flags.string({ description: 'Grafana base URL', required: true, env: 'OBS_GRAFANA_URL' }),
    model: Flags.string({ description: 'The system model', default: MODEL_FILE }),
    'dry-run': Flags.boolean({
      description: 'Compare with Grafana and show what would change; change nothing',
    }),
    overwrite: Flags.boolean({
      description: 'Replace dashboards changed in Grafana meanwhile, or others with the same title',
    }),
    'from-model': Flags.boolean({
      description: 'Build the dashboards from obs.yaml instead of reading the generated files',
    }),
    'token-stdin': Flags.boolean({
      description: 'Read the token from standard input (prompts without echo on a terminal)',
    }),
    message: Flags.string({
      description: 'Version message Grafana keeps',
      default: 'obs dashboards push',
    }),
  };

  async run(): Promise<PushResult> {
    const { flags } = await this.parse(DashboardsPush);
    const token = flags['token-stdin']
      ? await readSecret('Grafana token: ')
      : TOKEN_ENV.map((name) => process.env[name]).find((v) => v !== undefined && v !== '');
    if (flags['token-stdin'] && !token) {
      throw new ObsError('--token-stdin was given but standard input held no token', {
        code: 'OBS_NO_TOKEN',
        exit: ExitCode.usage,
      });
    }
    const set = await loadDashboardSet(flags.model, { fromModel: flags['from-model'] });
    const progress = this.progress();
    const client = new GrafanaClient({
      url: flags.url,
      ...(token ? { token } : {}),
      onRetry: this.retryNotice('Grafana'),
    });
    let result: PushResult;
    try {
      result = await pushDashboards(client, set, {
        dryRun: flags['dry-run'],
        overwrite: flags.overwrite,
        message: flags.message,
        onProgress: progress.update,
      });
    } finally {
      progress.stop();
    }
    this.report(result);
    if (result.summary.failed > 0) process.exitCode = ExitCode.failure;
    return result;
  }

  private report(r: PushResult): void {
    const would = r.dryRun ? 'would be ' : '';
    this.print(
      `Grafana ${r.grafana}, folder "${r.folder.title}" (${r.folder.uid}): ${r.folder.action === 'created' ? `${would}created` : 'exists'}`,
    );
    for (const d of r.dashboards) {
      const moved = d.movedFrom === undefined ? '' : ` (moved from folder ${d.movedFrom})`;
      const from = d.source === 'model' ? 'built from obs.yaml' : d.source;
      this.print(
        `  ${d.action === 'failed' ? 'FAILED' : d.action.padEnd(9)} ${d.title} [${d.uid}]${moved}  <- ${from}`,
      );
      if (d.error) this.print(`            ${d.error.message}\n            ${d.error.fix}`);
      if (d.diff) this.print(d.diff.replace(/^/gm, '            '));
    }
    const s = r.summary;
    this.print(
      `${r.dryRun ? 'Dry run, nothing changed: ' : ''}${s.created} ${would}created, ${s.updated} ${would}updated, ${s.unchanged} unchanged${s.failed ? `, ${s.failed} failed` : ''}`,
    );
    for (const n of r.notes) this.print(`note: ${n}`);
  }
}
