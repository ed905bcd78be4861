/** Processes for the benchmark: timed runs, servers started until an URL answers, RSS. */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync, closeSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import { createServer } from 'node:net';

/**
 * @typedef {{ cwd?: string, env?: NodeJS.ProcessEnv, timeoutMs?: number, allowFailure?: boolean }} RunOptions
 *   allowFailure: resolve with the exit code instead of rejecting (e.g. to read a --json report)
 */

/** The last lines of a command's output, for error messages. */
function tail(text, lines = 15) {
  return String(text ?? '').trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Runs a command to completion; rejects with the command and the tail of its output.
 * @param {string} file @param {string[]} args @param {RunOptions} [options]
 * @returns {Promise<{ stdout: string, stderr: string, ms: number, code: number }>}
 */
export function run(file, args, options = {}) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 256 * 1024 * 1024, timeout: options.timeoutMs ?? 0 },
      (error, stdout, stderr) => {
        const ms = performance.now() - started;
        if (error && options.allowFailure && typeof error.code === 'number') {
          resolve({ stdout, stderr, ms, code: error.code });
        } else if (error) {
          reject(new Error(`${[file, ...args].join(' ')} failed (${error.code ?? error.signal}):\n${tail(stderr || stdout)}`));
        } else resolve({ stdout, stderr, ms, code: 0 });
      },
    );
  });
}

/**
 * Wall time of a whole process, from spawn to exit, output discarded.
 * @param {string} file @param {string[]} args @param {RunOptions} [options]
 */
export async function timeProcess(file, args, options = {}) {
  const started = performance.now();
  const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const [code] = await once(child, 'exit');
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`${[file, ...args].join(' ')} exited ${code}:\n${tail(stderr)}`);
  return ms;
}

/** A port free on 127.0.0.1 right now. */
export async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

/** @param {string} url @returns {Promise<number>} status, or 0 when nothing answered */
export function status(url) {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', () => resolve(0));
    request.setTimeout(2000, () => request.destroy());
  });
}

/**
 * Polls `url` until it answers 200 (as fast as connection attempts fail, at most every
 * `intervalMs`). Rejects when `child` exits first or after `timeoutMs`.
 * @param {string} url @param {import('node:child_process').ChildProcess} child
 */
export async function waitFor200(url, child, { timeoutMs = 30_000, intervalMs = 2 } = {}) {
  const deadline = performance.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  for (;;) {
    if ((await status(url)) === 200) return;
    if (exited) throw new Error(`the server exited before ${url} answered 200`);
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Starts a node server and resolves once `readyUrl` answers 200 (each of them in turn, when
 * several), with the time that took (spawn to the last first 200). stdout (the JSON logs)
 * goes to `logFile`, the same sink for every server measured.
 * @param {{ script: string, args?: string[], cwd: string, env: NodeJS.ProcessEnv, readyUrl: string | string[], logFile: string }} options
 *   args: arguments after the script (the server is that very node process, for /proc readings)
 */
export async function startServer({ script, args = [], cwd, env, readyUrl, logFile }) {
  const log = openSync(logFile, 'a');
  const started = performance.now();
  const child = spawn(process.execPath, [script, ...args], { cwd, env, stdio: ['ignore', log, 'pipe'] });
  closeSync(log);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  // A process that cannot be spawned (e.g. a missing cwd) emits 'error', perhaps no 'exit'.
  const spawnFailed = new Promise((_, reject) => child.once('error', reject));
  try {
    for (const url of [readyUrl].flat()) await Promise.race([waitFor200(url, child), spawnFailed]);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${script}: ${error.message}\n${tail(stderr)}`);
  }
  const readyMs = performance.now() - started;
  return {
    child,
    readyMs,
    /** Stops the server (SIGKILL: graceful drain is not what is measured). */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

/** Resident set size of a process in bytes (Linux /proc). @param {number} pid */
export async function rssBytes(pid) {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(text);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

let clockTicks;

/** Clock ticks per second of /proc/PID/stat's times (`getconf CLK_TCK`, 100 when unknown). */
async function ticksPerSecond() {
  if (clockTicks === undefined) {
    const value = Number((await run('getconf', ['CLK_TCK'], { timeoutMs: 5000 }).catch(() => ({ stdout: '' }))).stdout.trim());
    clockTicks = Number.isFinite(value) && value > 0 ? value : 100;
  }
  return clockTicks;
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc). @param {number} pid */
export async function cpuMs(pid) {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[14 - 3]) + Number(fields[15 - 3]);
  if (!Number.isFinite(ticks)) throw new Error(`no CPU times for pid ${pid}`);
  return (ticks * 1000) / (await ticksPerSecond());
}

/** Whether `file` exists (any kind). */
export const exists = (file) =>
  stat(file).then(
    () => true,
    () => false,
  );
