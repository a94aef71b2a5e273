/**
 * What every obs command shares: `--json`, the mapping of library errors to oclif errors and exit
 * codes, and progress output that appears only on an interactive terminal.
 */
import { Command, Errors } from '@oclif/core';
import { ObsError } from '../core/errors.js';
import type { RequestContext } from '../core/http.js';
import { Progress } from './progress.js';
import { terminalSafe } from './terminal-text.js';

/** The `--json` error shape: stable, documented in README. */
export interface JsonError {
  error: {
    code: string;
    message: string;
    exit: number;
    file?: string;
    line?: number;
    suggestions?: string[];
  };
}

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  /** True when progress may be drawn: stderr is a terminal, no `--json`, not in CI. */
  protected interactive(): boolean {
    return Boolean(process.stderr.isTTY) && !this.jsonEnabled() && !process.env.CI;
  }

  /** A progress reporter that draws only when `interactive()`. */
  protected progress(): Progress {
    return new Progress(this.interactive());
  }

  /** Tells (on stderr, not with `--json`) of a request that failed and will be retried. */
  protected retryNotice(server: string): NonNullable<RequestContext['onRetry']> {
    return (r) => {
      if (!this.jsonEnabled())
        this.warn(terminalSafe(`${server}: ${r.reason}; retrying (${r.retriesLeft} left)`));
    };
  }

  /**
   * Prints human output unless `--json` is on (oclif's `log` already stays quiet then), with the
   * input's control characters made visible (see terminal-text.ts).
   */
  protected print(text: string): void {
    this.log(terminalSafe(text));
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    if (err instanceof ObsError) {
      process.exitCode = err.exit;
      if (this.jsonEnabled()) {
        const out: JsonError = {
          error: {
            code: err.code,
            message: err.message,
            exit: err.exit,
            ...(err.file !== undefined ? { file: err.file } : {}),
            ...(err.line !== undefined ? { line: err.line } : {}),
            ...(err.suggestions.length > 0 ? { suggestions: err.suggestions } : {}),
          },
        };
        this.logJson(out);
        return undefined;
      }
      throw new Errors.CLIError(terminalSafe(err.located), {
        exit: err.exit,
        code: err.code,
        suggestions: err.suggestions,
      });
    }
    if (this.jsonEnabled()) {
      // oclif's own errors (a flag it does not know, a missing argument) would otherwise print
      // its whole parse context as JSON: the same shape as ours instead, with oclif's exit code.
      const exit = (err as { oclif?: { exit?: number } }).oclif?.exit ?? err.exitCode ?? 1;
      const code = (err as { code?: unknown }).code;
      process.exitCode = exit;
      this.logJson({
        error: {
          code: typeof code === 'string' ? code : exit === 2 ? 'OBS_USAGE' : 'OBS_INTERNAL',
          message: err.message,
          exit,
        },
      } satisfies JsonError);
      return undefined;
    }
    return super.catch(err);
  }
}
