/**
 * BuildKit's plain progress has dozens of lines a step; only the step headers are worth a
 * progress line ("#7 [2/5] RUN npm ci"). The full output is in the error when the build fails.
 */
export function buildLine(line: string): string | undefined {
  const match = /^#\d+ (\[[^\]]+\] .*|exporting to image)$/.exec(line.trim());
  if (!match?.[1]) return undefined;
  return match[1].length > 100 ? `${match[1].slice(0, 97)}...` : match[1];
}
