/**
 * The NestJS baseline: the starter `nest new <dir> --skip-git --package-manager npm` writes
 * (its own CLI, pinned below and installed into a cache of its own, since the root package
 * does not depend on it), with the same GET /v1/hello route added as a controller, built with
 * its own `npm run build` and started as its `start:prod` script does (`node dist/main`).
 * Cached in the OS temp dir under a hash of everything that shapes it, like the service
 * (bench/lib/service.js) and the fastify-cli app.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exists, run } from './proc.js';

export const NEST_CLI_VERSION = '12.0.8';
const PREFIX = 'shovel-bench-nest-';
const MARKER = '.shovel-bench-ready';

/** The route: the same path, query and answer as the service's (Nest validates nothing here). */
export const HELLO_CONTROLLER = `import { Controller, Get, Query } from '@nestjs/common';

@Controller('v1/hello')
export class HelloController {
  @Get()
  hello(@Query('name') name?: string): { message: string } {
    return { message: \`Hello, \${name ?? 'world'}!\` };
  }
}
`;
export const HELLO_CONTROLLER_FILE = path.join('src', 'hello.controller.ts');

const TIMEOUTS = { cli: 300_000, generate: 600_000, build: 180_000 };

async function cacheKey() {
  const hash = createHash('sha256');
  hash.update(NEST_CLI_VERSION);
  hash.update(HELLO_CONTROLLER);
  hash.update(process.version);
  return hash.digest('hex').slice(0, 16);
}

/** Registers the controller in the starter's AppModule, beside its own AppController. */
function withController(moduleSource) {
  const patched = moduleSource.replace('controllers: [AppController]', 'controllers: [AppController, HelloController]');
  if (patched === moduleSource) throw new Error('src/app.module.ts has no `controllers: [AppController]` to add the route to');
  return `import { HelloController } from './hello.controller.js';\n${patched}`;
}

/**
 * @returns {Promise<{ dir: string, cached: boolean, setupMs: number, version: string }>}
 *   dir holds node_modules and dist/main.js; treat it as read-only.
 */
export async function preparedNestApp(log = () => {}) {
  const dir = path.join(os.tmpdir(), `${PREFIX}${await cacheKey()}`);
  if (await exists(path.join(dir, MARKER))) return { dir, cached: true, setupMs: 0, version: NEST_CLI_VERSION };

  const started = performance.now();
  const stale = (await readdir(os.tmpdir())).filter((name) => name.startsWith(PREFIX) && path.join(os.tmpdir(), name) !== dir);
  await Promise.all(stale.map((name) => rm(path.join(os.tmpdir(), name), { recursive: true, force: true })));

  const staging = `${dir}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  log(`installing @nestjs/cli ${NEST_CLI_VERSION} and generating the NestJS starter once (cached in ${dir})`);
  try {
    const cli = path.join(staging, 'cli');
    await mkdir(cli, { recursive: true });
    await writeFile(path.join(cli, 'package.json'), '{ "private": true }\n');
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--save-exact', `@nestjs/cli@${NEST_CLI_VERSION}`], { cwd: cli, timeoutMs: TIMEOUTS.cli });
    const nest = path.join(cli, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js');
    await run(process.execPath, [nest, 'new', 'app', '--skip-git', '--package-manager', 'npm'], { cwd: staging, env: { ...process.env, CI: 'true' }, timeoutMs: TIMEOUTS.generate });
    const app = path.join(staging, 'app');
    await writeFile(path.join(app, HELLO_CONTROLLER_FILE), HELLO_CONTROLLER);
    const moduleFile = path.join(app, 'src', 'app.module.ts');
    await writeFile(moduleFile, withController(await readFile(moduleFile, 'utf8')));
    await run('npm', ['run', 'build'], { cwd: app, timeoutMs: TIMEOUTS.build });
    if (!(await exists(path.join(app, 'dist', 'main.js')))) throw new Error('`npm run build` wrote no dist/main.js');
    await writeFile(path.join(staging, MARKER), `${new Date().toISOString()}\n`);
    await rename(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return { dir, cached: false, setupMs: performance.now() - started, version: NEST_CLI_VERSION };
}

/** The directory of the app inside the prepared cache. */
export const nestAppDir = (prepared) => path.join(prepared.dir, 'app');

/** The @nestjs/core version the starter installed. */
export async function nestCoreVersion(appDir) {
  return JSON.parse(await readFile(path.join(appDir, 'node_modules', '@nestjs', 'core', 'package.json'), 'utf8')).version;
}
