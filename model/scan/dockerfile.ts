/**
 * What a Dockerfile tells about a service: the base image of the final stage (a language hint),
 * the start command (ENTRYPOINT + CMD), exposed ports and the environment it sets.
 */
import { splitWords } from './command.js';

export interface DockerfileInfo {
  /** Base image of the last stage, e.g. `python:3.12-slim`. */
  baseImage?: string;
  /** ENTRYPOINT followed by CMD, as the container runs them. */
  command?: string[];
  exposed: number[];
  env: Record<string, string>;
}

/** Joins continuation lines and drops comments. */
function instructions(text: string): { op: string; arg: string }[] {
  const out: { op: string; arg: string }[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (pending === '' && /^\s*#/.test(line)) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^([A-Za-z]+)\s+([\s\S]*)$/.exec(full);
    if (m) out.push({ op: m[1]!.toUpperCase(), arg: m[2]!.trim() });
  }
  return out;
}

/** Exec form (`["a", "b"]`) or shell form (`a b`, which Docker runs under `/bin/sh -c`). */
function commandOf(arg: string): string[] {
  if (arg.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(arg);
      if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed;
    } catch {
      // Docker treats a malformed exec form as shell form too.
    }
  }
  return splitWords(arg);
}

/** `ENV A=1 B="x y"` and the legacy `ENV A 1`. */
function envOf(arg: string, into: Record<string, string>): void {
  const words = splitWords(arg);
  if (words.length >= 1 && !words[0]!.includes('=')) {
    into[words[0]!] = words.slice(1).join(' ');
    return;
  }
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq > 0) into[w.slice(0, eq)] = w.slice(eq + 1);
  }
}

export function parseDockerfile(text: string): DockerfileInfo {
  const info: DockerfileInfo = { exposed: [], env: {} };
  let entrypoint: string[] | undefined;
  let cmd: string[] | undefined;
  for (const { op, arg } of instructions(text)) {
    switch (op) {
      case 'FROM': {
        // A new stage: what earlier stages set does not reach the final image.
        const words = arg.split(/\s+/).filter((w) => !w.startsWith('--'));
        info.baseImage = words[0];
        info.exposed = [];
        info.env = {};
        entrypoint = undefined;
        cmd = undefined;
        break;
      }
      case 'ENTRYPOINT':
        entrypoint = commandOf(arg);
        cmd = undefined; // Docker resets CMD when ENTRYPOINT is set
        break;
      case 'CMD':
        cmd = commandOf(arg);
        break;
      case 'EXPOSE':
        for (const p of arg.split(/\s+/)) {
          const n = Number(p.split('/')[0]);
          if (Number.isInteger(n) && n > 0 && n < 65536) info.exposed.push(n);
        }
        break;
      case 'ENV':
        envOf(arg, info.env);
        break;
    }
  }
  const full = [...(entrypoint ?? []), ...(cmd ?? [])];
  if (full.length > 0) info.command = full;
  return info;
}
