/**
 * How library functions report progress without touching the terminal: they call an optional
 * `onProgress` callback; `cli/progress.ts` draws it when the output is interactive.
 */

/** `total` is absent when the amount of work is not known in advance. */
export interface ProgressEvent {
  label: string;
  done: number;
  total?: number;
  unit?: string;
}

export type ProgressFn = (e: ProgressEvent) => void;
