/**
 * Reading and writing `obs.yaml`.
 *
 * Validation errors name the file and the line of the offending node, so an edit that breaks the
 * model is found at once: `obs.yaml:12: services.1.port: expected number, received string`.
 */
import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import type { z } from 'zod';
import { ExitCode, ObsError, errnoCode, messageOf } from '../core/errors.js';
import { SystemModel } from './schema.js';
import { parseYaml } from './yaml.js';
import type { SystemModelInput } from './schema.js';

export const MODEL_FILE = 'obs.yaml';

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') + ': ' : '';
  return where + issue.message;
}

/** Parses and validates model text; `file` is used in messages. */
export function parseModel(text: string, file: string = MODEL_FILE): SystemModel {
  const { doc, lineAt } = parseYaml(text, file);
  const result = SystemModel.safeParse(doc.toJS());
  if (!result.success) {
    const issues = result.error.issues;
    const first = issues[0]!;
    const more =
      issues.length > 1
        ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})`
        : '';
    throw new ObsError(`invalid system model: ${describeIssue(first)}${more}`, {
      code: 'OBS_BAD_MODEL',
      exit: ExitCode.config,
      file,
      line: lineAt(first.path),
      suggestions: issues
        .slice(1, 6)
        .map((i) => `line ${lineAt(i.path) ?? '?'}: ${describeIssue(i)}`),
    });
  }
  return result.data;
}

/** Reads and validates a model file. */
export async function loadModel(file: string): Promise<SystemModel> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ObsError(
      errnoCode(err) === 'ENOENT' ? 'no such file' : `cannot read: ${messageOf(err)}`,
      { code: 'OBS_MODEL_UNREADABLE', exit: ExitCode.noInput, file, cause: err },
    );
  }
  return parseModel(text, file);
}

const HEADER = `# obs system model. Written by \`obs init\`; yours to edit: later runs read this file
# instead of rescanning the repository (\`obs init --rescan\` merges a new scan into it).
# Schema: every field, its default and its meaning are in docs/MODEL.md.
`;

/** The model as YAML text with a header comment; defaults are written out so they can be edited. */
export function stringifyModel(model: SystemModelInput): string {
  const valid = SystemModel.parse(model);
  return HEADER + stringify(valid, { lineWidth: 100 });
}
