/**
 * A small reader of Dockerfile instructions, as BuildKit's parser splits them: a `# escape=`
 * directive, comment lines (dropped even inside a continuation), line continuations, blank
 * lines inside a continuation, heredocs (`RUN <<EOF ... EOF`), and the JSON (exec) form of
 * arguments. It reads what `shovel init` needs to know; it does not build anything.
 */

export interface Instruction {
  /** Upper-cased: EXPOSE, HEALTHCHECK, USER ... */
  keyword: string;
  /** The arguments as written, continuations joined, trimmed. */
  args: string;
  /** The arguments of the JSON form (`["a", "b"]`), when they are one. */
  json?: string[];
  /** 1-based line of the keyword. */
  line: number;
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);
const HEREDOC = /<<-?\s*(["']?)([A-Za-z_][A-Za-z0-9_]*)\1/g;

/** The escape character: `\` unless a leading `# escape=` directive says `` ` ``. */
function escapeOf(lines: readonly string[]): string {
  for (const line of lines) {
    const directive = DIRECTIVE.exec(line.trim());
    if (!directive) return '\\';
    if (directive[1]!.toLowerCase() === 'escape' && (directive[2] === '`' || directive[2] === '\\')) return directive[2];
  }
  return '\\';
}

/** `["a","b"]` as an array of strings, or undefined when it is not exactly that. */
export function jsonForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(args);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}

export function parseDockerfile(text: string): Instruction[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const escape = escapeOf(lines);
  const out: Instruction[] = [];
  let i = 0;
  while (i < lines.length) {
    const first = lines[i]!;
    const trimmed = first.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      i += 1;
      continue;
    }
    const line = i + 1;
    let joined = '';
    let current = first;
    for (;;) {
      const body = current.replace(/\s+$/, '');
      if (body.endsWith(escape) && i + 1 < lines.length) {
        joined += body.slice(0, -1);
        i += 1;
        // Comment and blank lines inside a continuation are dropped, as BuildKit does.
        while (i < lines.length && /^\s*(#.*)?$/.test(lines[i]!)) i += 1;
        if (i >= lines.length) break;
        current = lines[i]!;
        continue;
      }
      joined += body.endsWith(escape) ? body.slice(0, -1) : current;
      i += 1;
      break;
    }
    const match = /^\s*(\S+)\s*([\s\S]*)$/.exec(joined)!;
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    // Heredoc bodies belong to their instruction: skip them, or their lines read as instructions.
    for (const [, , word] of HEREDOC_KEYWORDS.has(keyword) ? args.matchAll(HEREDOC) : []) {
      while (i < lines.length && lines[i]!.replace(/^\t+/, '') !== word) i += 1;
      i += 1;
    }
    const json = jsonForm(args);
    out.push({ keyword, args, ...(json ? { json } : {}), line });
  }
  return out;
}
