/** Runs the built bins as subprocesses, the way users run them. */
import { execa, type Result } from 'execa';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CREATE_BIN = path.join(ROOT, 'bin/create-shovel.cjs');
export const SHOVEL_BIN = path.join(ROOT, 'bin/shovel.js');

export function tempDir(prefix = 'shovel-test-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  input?: string;
}

/** create-shovel with no TTY on stdin (so it never prompts) and CI unset unless given. */
export async function createShovel(args: string[], options: RunOptions): Promise<Result<{ all: true }>> {
  return execa('node', [CREATE_BIN, ...args], {
    cwd: options.cwd,
    env: { CI: undefined, NO_COLOR: '1', ...options.env },
    extendEnv: true,
    all: true,
    reject: false,
    input: options.input ?? '',
  }) as unknown as Promise<Result<{ all: true }>>;
}
