/**
 * Bounded, read-only access to the repository for the scanner: listing a folder's files without
 * descending into dependency or build folders, and reading text files that may not exist.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, ObsError, errnoCode, messageOf } from '../../core/errors.js';

/** Folders that hold dependencies, caches or build output, never a service's own code. */
const SKIP_DIRS = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.venv',
  'venv',
  'env',
  '__pycache__',
  '.tox',
  '.nox',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  'site-packages',
  'dist',
  'build',
  'coverage',
  '.next',
  '.obs',
]);

/** Largest source file the scanner reads; bigger files are generated or vendored. */
const MAX_FILE_BYTES = 512 * 1024;

export interface ListOptions {
  /** Folder depth below the start folder; 0 lists only its own files. */
  maxDepth: number;
  /** Stop after this many files. */
  maxFiles: number;
  /** Extra folder paths (relative to the start folder) to skip, e.g. the obs output folder. */
  skip?: readonly string[];
}

/** Files under `dir` (relative paths with '/'), breadth first, in a stable order. */
export async function listFiles(dir: string, opts: ListOptions): Promise<string[]> {
  const out: string[] = [];
  let level: string[] = [''];
  for (let depth = 0; depth <= opts.maxDepth && level.length > 0; depth++) {
    const next: string[] = [];
    for (const rel of level) {
      let entries;
      try {
        entries = await readdir(path.join(dir, rel), { withFileTypes: true });
      } catch {
        continue; // unreadable folders hold nothing the scanner can use
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        const p = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name) && !opts.skip?.includes(p)) next.push(p);
        } else if (e.isFile()) {
          out.push(p);
          if (out.length >= opts.maxFiles) return out;
        }
      }
    }
    level = next;
  }
  return out;
}

/** The text of a file, or undefined when it does not exist or is too large to be source. */
export async function readText(file: string): Promise<string | undefined> {
  try {
    const s = await stat(file);
    if (!s.isFile() || s.size > MAX_FILE_BYTES) return undefined;
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new ObsError(`cannot read: ${messageOf(err)}`, {
      code: 'OBS_READ_FAILED',
      exit: ExitCode.noInput,
      file,
      cause: err,
    });
  }
}

export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** A path relative to the repository root with '/' separators, for messages and the model. */
export function relativeTo(root: string, p: string): string {
  const rel = path.relative(root, p).split(path.sep).join('/');
  return rel === '' ? '.' : rel;
}
