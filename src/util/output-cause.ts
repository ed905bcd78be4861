/**
 * The lines of a failed command's output that say why it failed, for the error report: the
 * last lines of a log are often a usage text (npm prints `npm ci`'s whole help after its
 * error) or a build tool's summary, while the cause sits above them.
 */

/** BuildKit's plain progress prefixes every line of a step: `#12 3.456 `. */
const BUILDKIT_PREFIX = /^#\d+ (?:\d+\.\d+ )?/;
const NPM_ERROR = /^npm (?:error|ERR!)(?: |$)/;
/** Where npm's usage text for a command starts: everything after it is help, not cause. */
const NPM_USAGE_START = /^npm (?:error|ERR!) (?:Usage:|Clean install a project|Install a package|Run a script|aliases:|Options:)/;
const NPM_NOISE = /^npm (?:error|ERR!) A complete log of this run can be found in|^npm (?:error|ERR!)\s*$/;
/** The lines a docker build ends with when a step fails (BuildKit, then the legacy builder). */
const BUILD_FAILURE = /^(?:ERROR: |error: )?(?:failed to solve|failed to build)|^ERROR(?: \[| )|returned a non-zero code|did not complete successfully/;

/** npm's own error lines, without its usage text and log-file pointer. */
export function npmErrorLines(output: string): string[] {
  const lines: string[] = [];
  let inUsage = false;
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.replace(BUILDKIT_PREFIX, '').trimEnd();
    if (!NPM_ERROR.test(line)) {
      inUsage = false;
      continue;
    }
    if (NPM_USAGE_START.test(line)) inUsage = true;
    if (inUsage || NPM_NOISE.test(line)) continue;
    lines.push(line);
  }
  return lines;
}

/**
 * What to show of a failed command's output: npm's error lines and the build tool's own
 * failure line when there are any, else undefined (the caller shows the tail).
 */
export function failureCause(output: string): string | undefined {
  const npm = npmErrorLines(output);
  const build = output
    .split(/\r?\n/)
    .map((l) => l.replace(BUILDKIT_PREFIX, '').trimEnd())
    .filter((l) => BUILD_FAILURE.test(l));
  const lines = [...new Set([...npm, ...build.slice(-2)])];
  return lines.length > 0 ? lines.join('\n') : undefined;
}
