/**
 * Progress on stderr for long work, drawn with cli-progress, and nothing at all when disabled
 * (`--json`, CI, output not a terminal). Library code reports through `core/progress.ts`'s
 * callback type and never imports this module.
 */
import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../core/progress.js';

export class Progress {
  private bar: cliProgress.SingleBar | undefined;
  private label = '';

  constructor(private readonly enabled: boolean) {}

  /** A callback to hand to library functions. */
  readonly update = (e: ProgressEvent): void => {
    if (!this.enabled) return;
    if (this.bar === undefined || e.label !== this.label) {
      this.stop();
      this.label = e.label;
      const format =
        e.total === undefined
          ? `${e.label} {value} ${e.unit ?? ''}`
          : `${e.label} [{bar}] {percentage}% {value}/{total} ${e.unit ?? ''}`;
      this.bar = new cliProgress.SingleBar(
        { format, stream: process.stderr, hideCursor: true, clearOnComplete: true, fps: 10 },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(e.total ?? 0, e.done);
    }
    if (e.total !== undefined) this.bar.setTotal(e.total);
    this.bar.update(e.done);
  };

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
