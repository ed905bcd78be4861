/**
 * What kind of session this is, decided in one place: CI (never prompt, never redraw), a
 * terminal that can answer prompts, an output stream that can show spinners.
 */

/** CI=true (or 1), as every CI service sets it. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

/**
 * A person can answer prompts: stdin is a terminal and this is not CI. CI is looked at first:
 * there, process.stdin (a stream made on first use) is never opened.
 */
export function canPrompt(stdin?: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return !inCi(env) && Boolean((stdin ?? process.stdin).isTTY);
}

/**
 * `stream` is a terminal that can be redrawn (spinners): it reports a width (a bare
 * pseudo-terminal may not, and spinners compute the lines to clear from it), outside CI.
 */
export function canRedraw(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): boolean {
  const tty = stream as NodeJS.WriteStream;
  return Boolean(tty.isTTY) && (tty.columns ?? 0) > 0 && !inCi(env);
}
