/**
 * The servers under measurement, started the same way: node, NODE_ENV=production,
 * LOG_LEVEL=info, JSON logs on stdout into a file, listening on 127.0.0.1 only.
 */
import path from 'node:path';
import { freePort, startServer } from './proc.js';

const BARE_SCRIPT = path.join(import.meta.dirname, '..', 'bare-server.js');

function baseEnv() {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production', LOG_LEVEL: 'info' };
}

/**
 * The generated service: app on PORT, metrics on METRICS_PORT; started when /health/ready is
 * 200 and then the route answers 200 too (as the baselines are timed to their route's first
 * 200: work a service put off until after ready is in the figure).
 * @param {string} serviceDir @param {string} logFile
 */
export async function startShovel(serviceDir, logFile) {
  const port = await freePort();
  const metricsPort = await freePort();
  const env = { ...baseEnv(), HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: String(metricsPort), SHUTDOWN_DELAY_MS: '0' };
  const server = await startServer({
    script: path.join(serviceDir, 'dist', 'main.js'),
    cwd: serviceDir,
    env,
    readyUrl: [`http://127.0.0.1:${port}/health/ready`, `http://127.0.0.1:${port}${HELLO_PATH}`],
    logFile,
  });
  return { ...server, name: 'shovel', url: `http://127.0.0.1:${port}`, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, logFile };
}

/**
 * The bare Fastify hello world (bench/bare-server.js); ready when its route answers 200.
 * @param {string} serviceDir @param {string} logFile
 */
export async function startBare(serviceDir, logFile) {
  const port = await freePort();
  const env = { ...baseEnv(), PORT: String(port), FASTIFY_FROM: serviceDir };
  const server = await startServer({
    script: BARE_SCRIPT,
    cwd: path.dirname(BARE_SCRIPT),
    env,
    readyUrl: `http://127.0.0.1:${port}/v1/hello?name=x`,
    logFile,
  });
  return { ...server, name: 'bare', url: `http://127.0.0.1:${port}`, logFile };
}

/**
 * The fastify-cli app as its start script runs it after the build: `fastify start -l info
 * dist/app.js` (here with -a/-p for 127.0.0.1 and a free port), the fastify-cli copy the app
 * installed; ready when its route answers 200.
 * @param {string} appDir @param {string} logFile
 */
export async function startFastifyCli(appDir, logFile) {
  const port = await freePort();
  const server = await startServer({
    script: path.join(appDir, 'node_modules', 'fastify-cli', 'cli.js'),
    args: ['start', '-l', 'info', '-a', '127.0.0.1', '-p', String(port), 'dist/app.js'],
    cwd: appDir,
    env: baseEnv(),
    readyUrl: `http://127.0.0.1:${port}${HELLO_PATH}`,
    logFile,
  });
  return { ...server, name: 'fastify-cli', url: `http://127.0.0.1:${port}`, logFile };
}

/**
 * The NestJS starter as its start:prod script runs it after the build (`node dist/main`),
 * PORT from the environment (the starter's main.ts reads it); ready when the route answers 200.
 * @param {string} appDir @param {string} logFile
 */
export async function startNest(appDir, logFile) {
  const port = await freePort();
  const server = await startServer({
    script: path.join(appDir, 'dist', 'main.js'),
    cwd: appDir,
    env: { ...baseEnv(), PORT: String(port) },
    readyUrl: `http://127.0.0.1:${port}${HELLO_PATH}`,
    logFile,
  });
  return { ...server, name: 'nest', url: `http://127.0.0.1:${port}`, logFile };
}

export const NEST_START = 'PORT=PORT node dist/main (the starter\'s start:prod)';

export const FASTIFY_CLI_START = 'node_modules/fastify-cli/cli.js start -l info -a 127.0.0.1 -p PORT dist/app.js';

export const HELLO_PATH = '/v1/hello?name=x';
