/**
 * In-service generators, run with `npm run gen` (or `npm run gen -- route orders` without
 * prompts). Templates live in plop-templates/; new code is wired in at marker comments and
 * then formatted, so generated code passes `npm run lint` as is.
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
    description: "a route module under /v1 with its test, registered in src/routes/index.ts",
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
        type: "modify",
        path: "src/routes/index.ts",
        pattern: /^\/\/ shovel:route-imports$/m,
        template: 'import { {{camelCase name}}Routes } from "./{{kebabCase name}}.js";\n$&',
      },
      {
        type: "modify",
        path: "src/routes/index.ts",
        pattern: /^( *)\/\/ shovel:route-registrations$/m,
        template:
          '$1await app.register({{camelCase name}}Routes, { ...options, prefix: "/v1" });\n$&',
      },
      {
        type: "format",
        files: [
          "src/routes/index.ts",
          "src/routes/{{kebabCase name}}.ts",
          "test/routes/{{kebabCase name}}.test.ts",
        ],
      },
    ],
  });
}
