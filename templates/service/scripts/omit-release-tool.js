/**
 * Run by the Dockerfile before `npm ci`: drops create-shovel (the release tool, a
 * devDependency used by `npm run release` outside the image) from package.json and
 * package-lock.json. The image never needs it, and when it is linked from a local checkout
 * (a `file:` spec) the link cannot resolve inside the build, so `npm ci` would refuse the
 * lockfile.
 */
import { readFileSync, writeFileSync } from "node:fs";

const NAME = "create-shovel";

function edit(file, change) {
  const json = JSON.parse(readFileSync(file, "utf8"));
  change(json);
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

edit("package.json", (pkg) => {
  delete pkg.devDependencies?.[NAME];
});

edit("package-lock.json", (lock) => {
  const entry = lock.packages?.[`node_modules/${NAME}`];
  delete lock.packages?.[""]?.devDependencies?.[NAME];
  delete lock.packages?.[`node_modules/${NAME}`];
  // A linked package has a second entry keyed by its path, holding its own dependencies.
  if (entry?.link) delete lock.packages[entry.resolved];
});
