/**
 * The writer: the only module that writes files.
 *
 * Generators return `GeneratedFile`s; the writer puts them on disk and records each file's content
 * hash in a manifest (`.obs/manifest.json` under the output root). On a later run the hash tells a
 * file obs may regenerate (on-disk hash equals the recorded one) from one the user edited; an edited
 * file is left byte for byte as it is and the new version is written beside it as `<file>.obs-new`.
 *
 * Writes are staged: every file is first written to a temporary sibling and only when all of them
 * succeeded are they renamed into place, so a failure (full disk, read-only folder) leaves the
 * previous state intact instead of a half-written stack.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { createTwoFilesPatch } from 'diff';
import { ExitCode, ObsError, errnoCode, messageOf } from './errors.js';

export interface GeneratedFile {
  /** Path relative to the output root, with forward slashes. */
  path: string;
  content: string;
  /** Permission bits; default 0o644. Secrets (.env) use 0o600. */
  mode?: number;
  /**
   * sha256 of the on-disk content this content was merged from (`obs init --rescan` merging a
   * scan into the user's obs.yaml). While the file still has that content the merge already
   * carries the user's edits, so it is updated instead of kept.
   */
  mergedFrom?: string;
}

/**
 * - `default`: write new files and files obs wrote and the user left alone; keep user-edited files
 *   and write the proposal beside them.
 * - `dry-run`: write nothing, return a unified diff per file that would change.
 * - `force`: also replace user-edited files.
 */
export type WriteMode = 'default' | 'dry-run' | 'force';

export type FileAction =
  /** The file did not exist and was written. */
  | 'created'
  /** obs had written it, the user had not edited it, and its content changed. */
  | 'updated'
  /** Already byte for byte what obs would write. */
  | 'unchanged'
  /** The user edited it (or it predates obs): left alone, proposal written beside it. */
  | 'kept'
  /** The user edited it and `force` replaced it. */
  | 'replaced';

export interface FileOutcome {
  path: string;
  action: FileAction;
  /** For `kept`: where the version obs would have written is. */
  proposal?: string;
  /** For dry runs: a unified diff from the current file (or nothing) to the new content. */
  diff?: string;
}

export interface WriteResult {
  root: string;
  mode: WriteMode;
  /** True when nothing was written (dry run). */
  dryRun: boolean;
  files: FileOutcome[];
  /** Files an earlier run wrote that this run no longer generates; left in place. */
  stale: string[];
  manifest: string;
}

export interface WriteOptions {
  mode?: WriteMode;
  /** Which command generated the files, recorded in the manifest, e.g. `obs init`. */
  command: string;
}

interface ManifestEntry {
  sha256: string;
  command: string;
}

interface Manifest {
  version: 1;
  files: Record<string, ManifestEntry>;
}

export const MANIFEST_PATH = '.obs/manifest.json';
export const PROPOSAL_SUFFIX = '.obs-new';

export function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function checkRelative(p: string): void {
  const norm = path.posix.normalize(p);
  if (
    p === '' ||
    path.isAbsolute(p) ||
    norm.startsWith('../') ||
    norm === '..' ||
    p.includes('\\')
  ) {
    throw new ObsError(`generated path must be relative and stay inside the output folder: ${p}`, {
      code: 'OBS_BAD_GENERATED_PATH',
    });
  }
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined; // ENOTDIR: a parent is a file
    throw new ObsError(`cannot read ${file}: ${messageOf(err)}`, {
      code: 'OBS_READ_FAILED',
      exit: ExitCode.noInput,
      file,
      cause: err,
    });
  }
}

async function readManifest(root: string): Promise<Manifest> {
  const file = path.join(root, MANIFEST_PATH);
  const raw = await readIfExists(file);
  if (raw === undefined) return { version: 1, files: {} };
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as Partial<Manifest>;
    if (parsed.version !== 1 || typeof parsed.files !== 'object' || parsed.files === null) {
      throw new Error('unexpected shape');
    }
    return { version: 1, files: parsed.files };
  } catch (err) {
    throw new ObsError(`the manifest is not valid (${messageOf(err)})`, {
      code: 'OBS_BAD_MANIFEST',
      exit: ExitCode.dataError,
      file,
      suggestions: [
        'Restore it from version control, or delete it: obs then treats every existing file as user-owned.',
      ],
      cause: err,
    });
  }
}

interface PlannedWrite {
  target: string;
  content: string;
  mode: number;
}

/** Creates `dir` and its missing parents, returning the folders it created (deepest last). */
async function mkdirTracked(dir: string, created: string[]): Promise<void> {
  const missing: string[] = [];
  let cur = dir;
  for (;;) {
    try {
      await stat(cur);
      break;
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      missing.push(cur);
      const parent = path.dirname(cur);
      if (parent === cur) break;
      cur = parent;
    }
  }
  for (const d of missing.reverse()) {
    await mkdir(d);
    created.push(d);
  }
}

/** Writes all planned files or none of them. */
async function commitAll(writes: PlannedWrite[]): Promise<void> {
  const createdDirs: string[] = [];
  const temps: { temp: string; target: string }[] = [];
  const tempName = (target: string) => `${target}.obs-tmp-${process.pid}`;
  try {
    for (const w of writes) {
      await mkdirTracked(path.dirname(w.target), createdDirs);
      const temp = tempName(w.target);
      temps.push({ temp, target: w.target });
      await writeFile(temp, w.content, { mode: w.mode });
      await chmod(temp, w.mode); // the umask may have narrowed the mode given to writeFile
    }
  } catch (err) {
    await Promise.allSettled(temps.map((t) => unlink(t.temp)));
    for (const d of createdDirs.reverse()) await rmdir(d).catch(() => undefined);
    const failed = temps.at(-1)?.target ?? writes[0]?.target ?? '';
    throw new ObsError(`cannot write ${failed}: ${messageOf(err)}; nothing was written`, {
      code: 'OBS_WRITE_FAILED',
      exit: ExitCode.cantCreate,
      file: failed,
      suggestions: ['Check that the output folder exists, is writable and has free space.'],
      cause: err,
    });
  }
  for (const t of temps) await rename(t.temp, t.target);
}

/** Writes generated files under `root` according to `mode`; see the module comment. */
export async function writeGenerated(
  root: string,
  files: readonly GeneratedFile[],
  opts: WriteOptions,
): Promise<WriteResult> {
  const mode = opts.mode ?? 'default';
  const dryRun = mode === 'dry-run';
  const manifest = await readManifest(root);
  const next: Manifest = { version: 1, files: {} };
  const outcomes: FileOutcome[] = [];
  const writes: PlannedWrite[] = [];
  const seen = new Set<string>();

  for (const f of files) {
    checkRelative(f.path);
    if (seen.has(f.path)) {
      throw new ObsError(`two generators produced the same file: ${f.path}`, {
        code: 'OBS_DUPLICATE_GENERATED_PATH',
      });
    }
    seen.add(f.path);
    const target = path.join(root, f.path);
    const fileMode = f.mode ?? 0o644;
    const newHash = sha256(f.content);
    const current = await readIfExists(target);
    const recorded = manifest.files[f.path];
    const entry = { sha256: newHash, command: opts.command };
    const outcome: FileOutcome = { path: f.path, action: 'created' };

    if (current === undefined) {
      outcome.action = 'created';
    } else {
      const currentHash = sha256(current);
      if (currentHash === newHash) {
        outcome.action = 'unchanged';
      } else if (
        (recorded !== undefined && recorded.sha256 === currentHash) ||
        f.mergedFrom === currentHash
      ) {
        outcome.action = 'updated';
      } else if (mode === 'force') {
        outcome.action = 'replaced';
      } else {
        // User-edited, or a file obs never wrote: it stays; the manifest keeps the old hash so the
        // file still counts as edited next time.
        outcome.action = 'kept';
        outcome.proposal = f.path + PROPOSAL_SUFFIX;
        if (recorded !== undefined) next.files[f.path] = recorded;
        writes.push({ target: target + PROPOSAL_SUFFIX, content: f.content, mode: fileMode });
      }
    }
    if (outcome.action !== 'kept') {
      next.files[f.path] = entry;
      if (outcome.action !== 'unchanged')
        writes.push({ target, content: f.content, mode: fileMode });
    }
    if (dryRun && outcome.action !== 'unchanged') {
      const before = current?.toString('utf8') ?? '';
      outcome.diff = createTwoFilesPatch(
        current === undefined ? '/dev/null' : f.path,
        f.path,
        before,
        f.content,
        undefined,
        undefined,
        { context: 3 },
      );
    }
    outcomes.push(outcome);
  }

  const stale: string[] = [];
  for (const [p, entry] of Object.entries(manifest.files)) {
    if (seen.has(p)) continue;
    if ((await readIfExists(path.join(root, p))) !== undefined) {
      stale.push(p);
      next.files[p] = entry;
    }
  }

  const manifestFile = path.join(root, MANIFEST_PATH);
  if (!dryRun) {
    const sorted: Manifest = {
      version: 1,
      files: Object.fromEntries(Object.entries(next.files).sort(([a], [b]) => a.localeCompare(b))),
    };
    writes.push({
      target: manifestFile,
      content: JSON.stringify(sorted, null, 2) + '\n',
      mode: 0o644,
    });
    await commitAll(writes);
  }
  return { root, mode, dryRun, files: outcomes, stale, manifest: manifestFile };
}

/**
 * An output file written atomically: data goes to a temporary sibling, `commit()` renames it into
 * place, `abort()` removes it. Used for reports and CSV exports that may be large.
 */
export interface OutputFile {
  write(chunk: string): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export async function openOutputFile(target: string, mode = 0o644): Promise<OutputFile> {
  const temp = `${target}.obs-tmp-${process.pid}`;
  const fail = (err: unknown): ObsError =>
    new ObsError(`cannot write ${target}: ${messageOf(err)}`, {
      code: 'OBS_WRITE_FAILED',
      exit: ExitCode.cantCreate,
      file: target,
      cause: err,
    });
  const stream = createWriteStream(temp, { mode });
  let failure: unknown;
  stream.on('error', (err) => {
    failure = err;
  });
  try {
    await once(stream, 'open');
  } catch (err) {
    throw fail(err);
  }
  return {
    async write(chunk: string) {
      if (failure !== undefined) throw fail(failure);
      if (!stream.write(chunk)) await once(stream, 'drain');
    },
    async commit() {
      stream.end();
      await once(stream, 'close');
      if (failure !== undefined) {
        await unlink(temp).catch(() => undefined);
        throw fail(failure);
      }
      await rename(temp, target).catch(async (err: unknown) => {
        await unlink(temp).catch(() => undefined);
        throw fail(err);
      });
    },
    async abort() {
      stream.destroy();
      await unlink(temp).catch(() => undefined);
    },
  };
}

/** Writes one whole output file atomically. */
export async function writeOutputFile(
  target: string,
  content: string,
  mode = 0o644,
): Promise<void> {
  const out = await openOutputFile(target, mode);
  try {
    await out.write(content);
  } catch (err) {
    await out.abort();
    throw err;
  }
  await out.commit();
}
