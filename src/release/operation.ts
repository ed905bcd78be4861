/**
 * What the operations on a released service (status, rollback, logs, history, stop) share:
 * their options, the environment they read with the redactor of its secrets, and the config
 * with the target chosen the same way `release` chooses it.
 */
import { loadConfig } from '../config/load.js';
import type { ShovelConfig } from '../config/schema.js';
import { chooseTarget, type TargetName } from './preflight.js';
import { Redactor } from './redact.js';

export interface CommonOptions {
  cwd: string;
  configPath?: string;
  target?: TargetName;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** The operation's environment (the process's unless given) and the redactor of its secrets. */
export function operationEnv(options: Pick<CommonOptions, 'env'>): { env: NodeJS.ProcessEnv; redactor: Redactor } {
  const env = options.env ?? process.env;
  return { env, redactor: Redactor.fromEnv(env) };
}

/** The config file and the target the operation works on. */
export async function loadTarget(options: CommonOptions): Promise<{ config: ShovelConfig; target: TargetName }> {
  const { config } = await loadConfig(options.cwd, options.configPath);
  return { config, target: chooseTarget(config, options.target) };
}
