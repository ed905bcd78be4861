/**
 * `npm run gen -- route NAME` adds a route module under /v1 and its test, written from
 * scripts/route.ts.tpl and scripts/route.test.ts.tpl, and changes no other file: src/routes
 * is loaded by @fastify/autoload. Without NAME it asks for one in a terminal.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ROUTE_NAME = /^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$/;
const USAGE = "usage: npm run gen -- route NAME (lowercase letters, digits and hyphens, e.g. orders)";

/** Template (under scripts/) and the file it becomes, for a route called `name`. */
const ROUTE_FILES = [
  ["route.ts.tpl", (name: string) => `src/routes/${name}.ts`],
  ["route.test.ts.tpl", (name: string) => `test/routes/${name}.test.ts`],
] as const;

/** `order-items` -> `orderItems`: the name of the route plugin in its module. */
export function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_match, next: string) => next.toUpperCase());
}

/** Fills in the two placeholders the templates use. */
export function render(template: string, name: string): string {
  return template
    .replaceAll("{{kebabCase name}}", name)
    .replaceAll("{{camelCase name}}", camelCase(name));
}

async function askName(): Promise<string> {
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await terminal.question("Route name (e.g. orders): ")).trim();
  } finally {
    terminal.close();
  }
}

async function main(args: string[]): Promise<number> {
  const [generator, given] = args;
  if (generator !== "route") {
    console.error(USAGE);
    return 2;
  }
  const name = given ?? (process.stdin.isTTY ? await askName() : "");
  if (!ROUTE_NAME.test(name)) {
    console.error(`"${name}" is not a route name. ${USAGE}`);
    return 2;
  }
  const files = ROUTE_FILES.map(([template, target]) => ({
    template: path.join(ROOT, "scripts", template),
    target: target(name),
  }));
  const existing = files.filter((file) => existsSync(path.join(ROOT, file.target)));
  if (existing.length > 0) {
    console.error(`not overwriting ${existing.map((file) => file.target).join(", ")}`);
    return 1;
  }
  for (const file of files) {
    const target = path.join(ROOT, file.target);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, render(readFileSync(file.template, "utf8"), name));
    console.log(`added ${file.target}`);
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
