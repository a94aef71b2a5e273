import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObsError } from '../../../core/errors.js';
import { MANIFEST_PATH, openOutputFile, writeGenerated } from '../../../core/writer.js';
import type { GeneratedFile } from '../../../core/writer.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'obs-writer-'));
});
afterEach(async () => {
  await chmod(root, 0o755).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

const read = (p: string) => readFile(path.join(root, p), 'utf8');
const gen = (v: string): GeneratedFile[] => [
  { path: 'observability/prometheus/prometheus.yml', content: `version: ${v}\n` },
  { path: 'observability/.env', content: `PASSWORD=${v}\n`, mode: 0o600 },
];
const command = 'obs init';

describe('writeGenerated', () => {
  it('creates files, folders and a manifest with content hashes', async () => {
    const res = await writeGenerated(root, gen('1'), { command });
    expect(res.files.map((f) => f.action)).toEqual(['created', 'created']);
    expect(await read('observability/prometheus/prometheus.yml')).toBe('version: 1\n');
    const manifest = JSON.parse(await read(MANIFEST_PATH)) as {
      files: Record<string, { sha256: string; command: string }>;
    };
    expect(Object.keys(manifest.files).sort()).toEqual([
      'observability/.env',
      'observability/prometheus/prometheus.yml',
    ]);
    expect(manifest.files['observability/.env']?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.files['observability/.env']?.command).toBe(command);
  });

  it('applies the requested mode despite the umask', async () => {
    await writeGenerated(root, gen('1'), { command });
    const st = await stat(path.join(root, 'observability/.env'));
    expect(st.mode & 0o777).toBe(0o600);
  });

  it('reports unchanged files and updates files the user left alone', async () => {
    await writeGenerated(root, gen('1'), { command });
    const same = await writeGenerated(root, gen('1'), { command });
    expect(same.files.map((f) => f.action)).toEqual(['unchanged', 'unchanged']);
    const changed = await writeGenerated(root, gen('2'), { command });
    expect(changed.files.map((f) => f.action)).toEqual(['updated', 'updated']);
    expect(await read('observability/prometheus/prometheus.yml')).toBe('version: 2\n');
  });

  it('keeps a user-edited file byte for byte and writes the proposal beside it', async () => {
    await writeGenerated(root, gen('1'), { command });
    // Bytes a naive writer would mangle: no final newline, CRLF, non-ASCII, a NUL.
    const edited = Buffer.from('version: 1\r\n# mine — keep\u0000', 'utf8');
    const target = path.join(root, 'observability/prometheus/prometheus.yml');
    await writeFile(target, edited);

    const res = await writeGenerated(root, gen('2'), { command });
    const outcome = res.files.find((f) => f.path.endsWith('prometheus.yml'));
    expect(outcome).toMatchObject({
      action: 'kept',
      proposal: 'observability/prometheus/prometheus.yml.obs-new',
    });
    expect(Buffer.compare(await readFile(target), edited)).toBe(0);
    expect(await read('observability/prometheus/prometheus.yml.obs-new')).toBe('version: 2\n');

    // Still counted as edited on the next run, not silently adopted.
    const again = await writeGenerated(root, gen('3'), { command });
    expect(again.files.find((f) => f.path.endsWith('prometheus.yml'))?.action).toBe('kept');
    expect(Buffer.compare(await readFile(target), edited)).toBe(0);
  });

  it('treats an existing file obs never wrote as the user’s', async () => {
    await writeFile(path.join(root, 'README.md'), 'hand written\n');
    const res = await writeGenerated(root, [{ path: 'README.md', content: 'generated\n' }], {
      command,
    });
    expect(res.files[0]?.action).toBe('kept');
    expect(await read('README.md')).toBe('hand written\n');
  });

  it('replaces a user-edited file with --force', async () => {
    await writeGenerated(root, gen('1'), { command });
    await writeFile(path.join(root, 'observability/prometheus/prometheus.yml'), 'mine\n');
    const res = await writeGenerated(root, gen('2'), { command, mode: 'force' });
    expect(res.files[0]?.action).toBe('replaced');
    expect(await read('observability/prometheus/prometheus.yml')).toBe('version: 2\n');
    const after = await writeGenerated(root, gen('3'), { command });
    expect(after.files[0]?.action).toBe('updated');
  });

  it('dry-run writes nothing and returns a diff', async () => {
    await writeGenerated(root, gen('1'), { command });
    const before = await readdir(path.join(root, 'observability'), { recursive: true });
    const manifestBefore = await read(MANIFEST_PATH);
    const res = await writeGenerated(root, gen('2'), { command, mode: 'dry-run' });
    expect(res.dryRun).toBe(true);
    expect(res.files[0]?.action).toBe('updated');
    expect(res.files[0]?.diff).toContain('-version: 1');
    expect(res.files[0]?.diff).toContain('+version: 2');
    expect(await read('observability/prometheus/prometheus.yml')).toBe('version: 1\n');
    expect(await read(MANIFEST_PATH)).toBe(manifestBefore);
    expect(await readdir(path.join(root, 'observability'), { recursive: true })).toEqual(before);
  });

  it('reports files an earlier run wrote that are no longer generated, and leaves them', async () => {
    await writeGenerated(root, gen('1'), { command });
    const res = await writeGenerated(root, gen('1').slice(1), { command });
    expect(res.stale).toEqual(['observability/prometheus/prometheus.yml']);
    expect(await read('observability/prometheus/prometheus.yml')).toBe('version: 1\n');
  });

  it('rejects paths that leave the output folder', async () => {
    await expect(
      writeGenerated(root, [{ path: '../escape', content: 'x' }], { command }),
    ).rejects.toThrow(/stay inside/);
    await expect(
      writeGenerated(root, [{ path: '/etc/passwd', content: 'x' }], { command }),
    ).rejects.toThrow(/relative/);
  });

  it('writes nothing at all when one file cannot be written', async () => {
    if (process.getuid?.() === 0) {
      // root ignores permission bits; block the write with a file where a folder must go.
      await writeFile(path.join(root, 'observability'), 'a file, not a folder');
    } else {
      await chmod(root, 0o555);
    }
    const err = await writeGenerated(root, gen('1'), { command }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObsError);
    expect((err as ObsError).code).toBe('OBS_WRITE_FAILED');
    expect((err as ObsError).message).toContain('nothing was written');
    await chmod(root, 0o755);
    const left = await readdir(root, { recursive: true });
    expect(left.filter((p) => p !== 'observability')).toEqual([]);
  });

  it('rejects a corrupt manifest with the file named', async () => {
    await writeGenerated(root, gen('1'), { command });
    await writeFile(path.join(root, MANIFEST_PATH), '{not json');
    const err = await writeGenerated(root, gen('1'), { command }).catch((e: unknown) => e);
    expect((err as ObsError).code).toBe('OBS_BAD_MANIFEST');
    expect((err as ObsError).file).toBe(path.join(root, MANIFEST_PATH));
  });
});

describe('openOutputFile', () => {
  it('shows nothing at the target until commit, and nothing after abort', async () => {
    const target = path.join(root, 'out.csv');
    const out = await openOutputFile(target);
    await out.write('line,pattern\n');
    await expect(stat(target)).rejects.toThrow();
    await out.commit();
    expect(await readFile(target, 'utf8')).toBe('line,pattern\n');

    const second = await openOutputFile(path.join(root, 'aborted.csv'));
    await second.write('x');
    await second.abort();
    expect((await readdir(root)).sort()).toEqual(['out.csv']);
  });

  it('names the file when its folder does not exist', async () => {
    const target = path.join(root, 'missing', 'out.csv');
    await expect(openOutputFile(target)).rejects.toThrow(/cannot write .*missing\/out\.csv/);
  });
});
