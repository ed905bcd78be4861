/**
 * The fastify-cli baseline: the TypeScript app `fastify generate <dir> --lang=ts` writes (the
 * fastify-cli devDependency of this package), with the same GET /v1/hello route added as a
 * route file in fastify-cli's own layout (src/routes/<prefix>/index.ts, loaded by
 * @fastify/autoload), its dependencies installed with `npm install`, compiled with its own
 * `build:ts` script. Cached in the OS temp dir under a hash of everything that shapes it,
 * like the service (bench/lib/service.js).
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exists, run } from './proc.js';
import { ROOT } from './service.js';

const PREFIX = 'shovel-bench-fastify-cli-';
const MARKER = '.shovel-bench-ready';
export const FASTIFY_CLI_DIR = path.join(ROOT, 'node_modules', 'fastify-cli');
export const FASTIFY_CLI_BIN = path.join(FASTIFY_CLI_DIR, 'cli.js');

/** The route, in the style of the generated src/routes/example/index.ts; same schema and answer as the service's. */
export const HELLO_ROUTE = `import { type FastifyPluginAsync } from 'fastify'

interface HelloQuery {
  name?: string
}

const hello: FastifyPluginAsync = async (fastify, opts): Promise<void> => {
  fastify.get<{ Querystring: HelloQuery }>('/', {
    schema: {
      querystring: {
        type: 'object',
        properties: { name: { type: 'string', minLength: 1, maxLength: 64 } },
        additionalProperties: false
      },
      response: {
        200: {
          type: 'object',
          properties: { message: { type: 'string' } },
          required: ['message']
        }
      }
    }
  }, async function (request, reply) {
    return { message: \`Hello, \${request.query.name ?? 'world'}!\` }
  })
}

export default hello
`;
export const HELLO_ROUTE_FILE = path.join('src', 'routes', 'v1', 'hello', 'index.ts');

/**
 * The one edit to the generated project besides the route: TypeScript 6 (the version the
 * template asks for) refuses to emit without an explicit rootDir (TS5011); `src` is the
 * directory it infers, so the output layout (dist/app.js) is the template's own.
 */
const TSCONFIG_ROOT_DIR = 'src';

const TIMEOUTS = { generate: 60_000, install: 300_000, build: 120_000 };

export async function fastifyCliVersion() {
  return JSON.parse(await readFile(path.join(FASTIFY_CLI_DIR, 'package.json'), 'utf8')).version;
}

async function cacheKey() {
  const hash = createHash('sha256');
  hash.update(await readFile(path.join(FASTIFY_CLI_DIR, 'package.json')));
  hash.update(HELLO_ROUTE);
  hash.update(TSCONFIG_ROOT_DIR);
  hash.update(process.version);
  return hash.digest('hex').slice(0, 16);
}

/**
 * @returns {Promise<{ dir: string, cached: boolean, setupMs: number, version: string }>}
 *   dir holds node_modules and dist/app.js; treat it as read-only.
 */
export async function preparedFastifyCliApp(log = () => {}) {
  const version = await fastifyCliVersion();
  const dir = path.join(os.tmpdir(), `${PREFIX}${await cacheKey()}`);
  if (await exists(path.join(dir, MARKER))) return { dir, cached: true, setupMs: 0, version };

  const started = performance.now();
  const stale = (await readdir(os.tmpdir())).filter((name) => name.startsWith(PREFIX) && path.join(os.tmpdir(), name) !== dir);
  await Promise.all(stale.map((name) => rm(path.join(os.tmpdir(), name), { recursive: true, force: true })));

  const staging = `${dir}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  log(`generating and installing the fastify-cli ${version} app once (cached in ${dir})`);
  try {
    await run(process.execPath, [FASTIFY_CLI_BIN, 'generate', staging, '--lang=ts'], { timeoutMs: TIMEOUTS.generate });
    const route = path.join(staging, HELLO_ROUTE_FILE);
    await mkdir(path.dirname(route), { recursive: true });
    await writeFile(route, HELLO_ROUTE);
    const tsconfigFile = path.join(staging, 'tsconfig.json');
    const tsconfig = JSON.parse(await readFile(tsconfigFile, 'utf8'));
    tsconfig.compilerOptions = { ...tsconfig.compilerOptions, rootDir: TSCONFIG_ROOT_DIR };
    await writeFile(tsconfigFile, `${JSON.stringify(tsconfig, null, 2)}\n`);
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: staging, timeoutMs: TIMEOUTS.install });
    await run('npm', ['run', 'build:ts'], { cwd: staging, timeoutMs: TIMEOUTS.build });
    if (!(await exists(path.join(staging, 'dist', 'app.js')))) throw new Error('`npm run build:ts` wrote no dist/app.js');
    await writeFile(path.join(staging, MARKER), `${new Date().toISOString()}\n`);
    await rename(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return { dir, cached: false, setupMs: performance.now() - started, version };
}

/** The fastify version the fastify-cli app installed (npm install resolves the template's ranges). */
export async function appFastifyVersion(appDir) {
  return JSON.parse(await readFile(path.join(appDir, 'node_modules', 'fastify', 'package.json'), 'utf8')).version;
}
