/**
 * Escapers for values that land in generated files. Each returns a complete literal for its
 * file type (quotes included), so a template writes `description: {{yaml description}}`
 * and the value round-trips exactly, whatever it contains.
 */

/** A JSON string/number literal. Also a valid TypeScript/JavaScript literal (ES2019+). */
export function jsonLiteral(value: unknown): string {
  return JSON.stringify(value);
}

/** A TypeScript string literal; `${` is harmless in a double-quoted string. */
export function tsLiteral(value: unknown): string {
  // JSON escapes quotes, backslashes and control characters; U+2028/9 are legal since ES2019,
  // but escaping them keeps older tools (and eyes) happy.
  return JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * A YAML double-quoted scalar. JSON's escapes are valid in YAML double quotes; on top, every
 * character YAML does not allow raw (DEL, C1 controls, non-characters) is \u-escaped.
 */
export function yamlLiteral(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(String(value)).replace(/[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g, (ch) => {
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/**
 * Markdown text that renders as exactly the value: every ASCII punctuation character is
 * backslash-escaped (CommonMark allows it for all of them) and a newline becomes a hard break.
 */
export function markdownText(value: string): string {
  return value
    .split('\n')
    .map((line) =>
      line
        .replace(/[!-/:-@[-`{-~]/g, (ch) => `\\${ch}`)
        // Leading spaces or tabs would start an indented code block; keep them as entities.
        .replace(/^[ \t]+/, (ws) => ws.replace(/ /g, '&#32;').replace(/\t/g, '&#9;'))
        .replace(/[ \t]+$/, (ws) => ws.replace(/ /g, '&#32;').replace(/\t/g, '&#9;')),
    )
    .join('\\\n');
}

/** One POSIX shell word, single-quoted: nothing inside is expanded. */
export function shellWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A double-quoted Dockerfile word (LABEL/ENV values): backslash, quote and `$` escaped.
 * Dockerfiles cannot hold a newline inside a value, so multi-line text must reach the image
 * through a build argument instead; this refuses it rather than changing the value.
 */
export function dockerfileWord(value: string): string {
  if (/[\r\n]/.test(value)) {
    throw new Error('a Dockerfile value cannot contain a newline; pass it as a build argument');
  }
  return `"${value.replace(/[\\"$]/g, (ch) => `\\${ch}`)}"`;
}
