/**
 * In-service generators, run with `npm run gen` (or `npm run gen -- route orders` without
 * prompts). Templates live in plop-templates/. Generators only add files (src/routes is
 * loaded by @fastify/autoload), then format them, so generated code passes `npm run lint`.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";

const ROUTE_NAME = /^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$/;

/** @param {import("plop").NodePlopAPI} plop */
export default function (plop) {
  plop.setActionType("format", (answers, config) => {
    const kebab = plop.getHelper("kebabCase");
    const files = config.files.map((file) => plop.renderString(file, answers));
    const biome = path.join("node_modules", ".bin", "biome");
    execFileSync(biome, ["check", "--write", ...files], {
      stdio: "pipe",
      shell: process.platform === "win32",
    });
    return `formatted ${files.length} files for ${kebab(answers.name)}`;
  });

  plop.setGenerator("route", {
    description: "a route module under /v1 with its test (src/routes is loaded automatically)",
    prompts: [
      {
        type: "input",
        name: "name",
        message: "Route name (e.g. orders)",
        validate: (value) =>
          ROUTE_NAME.test(value) || "use lowercase letters, digits and hyphens, e.g. orders",
      },
    ],
    actions: [
      {
        type: "add",
        path: "src/routes/{{kebabCase name}}.ts",
        templateFile: "plop-templates/route.ts.hbs",
      },
      {
        type: "add",
        path: "test/routes/{{kebabCase name}}.test.ts",
        templateFile: "plop-templates/route.test.ts.hbs",
      },
      {
        type: "format",
        files: ["src/routes/{{kebabCase name}}.ts", "test/routes/{{kebabCase name}}.test.ts"],
      },
    ],
  });
}
