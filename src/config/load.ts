/**
 * Reads and validates shovel.yml. Every problem is reported at once, each with the line it is
 * on (`shovel.yml:12: ports.http must be ...`), because fixing a config one error per run is
 * the slowest possible feedback loop.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../errors.js';
import { shovelConfigSchema, type ShovelConfig } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'shovel.yml';

export interface LoadedConfig {
  config: ShovelConfig;
  /** Absolute path of the file that was read. */
  file: string;
}

type PathKey = PropertyKey;

/** `resources.cpus`, `env.FOO`, `list[2]`: how a user would name the key. */
export function formatKeyPath(keys: readonly PathKey[]): string {
  let out = '';
  for (const key of keys) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out || '(top level)';
}

/** A YAML value's kind, as the messages name it. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Phrases zod's built-in issues from their fields so they read after the key path: "x must ...". */
export function phraseIssue(issue: z.core.$ZodIssue): string {
  // A bad key of a record (env): what its key schema said.
  if (issue.code === 'invalid_key') return issue.issues[0] ? phraseIssue(issue.issues[0]) : 'must be a valid key';
  const msg = issue.message;
  if (msg.startsWith('must ')) return msg;
  switch (issue.code) {
    case 'invalid_type': {
      // The parse reports inputs (reportInput), so the value itself says what it was.
      const a = /^[aeiou]/.test(issue.expected) ? 'an' : 'a';
      const input = (issue as { input?: unknown }).input;
      if (input === undefined) return `must be set (${a} ${issue.expected})`;
      return `must be ${a} ${issue.expected} (got ${kindOf(input)})`;
    }
    case 'too_big':
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}${issue.origin === 'string' ? ' characters' : ''}`;
    case 'too_small':
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}${issue.origin === 'string' ? ' characters' : ''}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'must be one of the forms the reference lists (see the shovel.yml reference in the README)';
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return `must be valid (${msg})`;
  }
}

/** The node at `keys`, or the deepest existing ancestor (a missing key is reported at its parent). */
function nodeAt(doc: Document, keys: readonly PathKey[]): { node: Node | undefined; keyNode: Node | undefined; found: boolean } {
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const key of keys) {
    if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      if (node === undefined) return { node: undefined, keyNode, found: false };
      continue;
    }
    if (!isMap(node)) return { node: undefined, keyNode, found: false };
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
    if (!pair) return { node: undefined, keyNode, found: false };
    keyNode = pair.key as Node;
    node = pair.value;
  }
  return { node: (node as Node | null) ?? undefined, keyNode, found: true };
}

function lineOf(counter: LineCounter, node: Node | undefined): number {
  const offset = node?.range?.[0];
  return offset === undefined ? 1 : counter.linePos(offset).line;
}

/**
 * The issues of a union (`ports`, a health check, a volume) as those of the form the user
 * meant: the branch whose type matches the input and that has the fewest problems. Without
 * one, the union issue itself ("must be one of the forms").
 */
export function flattenIssues(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
    const meant = issue.errors
      .filter((branch) => !(branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0))
      .sort((a, b) => a.length - b.length)[0];
    if (!meant) return [issue];
    return flattenIssues(meant.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }) as z.core.$ZodIssue));
  });
}

/** One `file:LINE: key must ...` line per problem, sorted by line. */
export function describeIssues(
  doc: Document,
  counter: LineCounter,
  issues: readonly z.core.$ZodIssue[],
  displayName: string,
): string[] {
  const lines: { line: number; text: string }[] = [];
  for (const issue of flattenIssues(issues)) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const { keyNode } = nodeAt(doc, [...issue.path, key]);
        const name = formatKeyPath([...issue.path, key]);
        lines.push({ line: lineOf(counter, keyNode), text: `${name} must not be set (unknown key)` });
      }
      continue;
    }
    const { node, keyNode, found } = nodeAt(doc, issue.path);
    // The value when the key exists (the value is what is wrong); a missing key at its
    // parent's key ("image:"), where the user has to add it.
    const line = lineOf(counter, found ? (node ?? keyNode) : keyNode);
    lines.push({ line, text: `${formatKeyPath(issue.path)} ${phraseIssue(issue)}` });
  }
  return lines
    .sort((a, b) => a.line - b.line)
    .map((l) => `${displayName}:${l.line}: ${l.text}`);
}

/** Parses and validates config text; `displayName` is what error lines start with. */
export function parseConfig(text: string, displayName = DEFAULT_CONFIG_FILE): ShovelConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const details = doc.errors.map((e) => {
      const line = e.linePos?.[0]?.line ?? counter.linePos(e.pos[0]).line;
      return `${displayName}:${line}: ${e.message.split('\n')[0]}`;
    });
    throw new UsageError('SHOVEL_ERR_CONFIG_SYNTAX', `${displayName} is not valid YAML.`, { details });
  }
  const data: unknown = doc.toJS() ?? {};
  const result = shovelConfigSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    const details = describeIssues(doc, counter, result.error.issues, displayName);
    throw new UsageError(
      'SHOVEL_ERR_CONFIG_INVALID',
      `${displayName} has ${details.length} problem${details.length === 1 ? '' : 's'}:`,
      { details, hint: 'The schema is in schema/shovel.schema.json of the create-shovel package.' },
    );
  }
  return result.data;
}

/** Reads `configPath` (default shovel.yml in `cwd`). A missing file is a usage error. */
export async function loadConfig(cwd: string, configPath?: string): Promise<LoadedConfig> {
  const file = path.resolve(cwd, configPath ?? DEFAULT_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UsageError('SHOVEL_ERR_CONFIG_MISSING', `No ${path.basename(file)} found at ${file}.`, {
        hint: 'Run shovel from the root of a service generated by create-shovel, or pass --config PATH.',
      });
    }
    throw new UsageError('SHOVEL_ERR_CONFIG_UNREADABLE', `Cannot read ${file}: ${(error as Error).message}`);
  }
  const displayName = path.relative(cwd, file) || path.basename(file);
  return { config: parseConfig(text, displayName), file };
}
