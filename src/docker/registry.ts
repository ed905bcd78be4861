/**
 * Registry checks before anything is built: is the registry there, and are the credentials
 * good? Finding out after a five-minute build is the expensive way.
 *
 * Credentials come from one of two places:
 * - the user's own docker login / credential helpers: Shovel does not read them; the push
 *   itself tells whether they work;
 * - SHOVEL_REGISTRY_USER + SHOVEL_REGISTRY_PASSWORD (CI): Shovel logs in into a TEMPORARY
 *   DOCKER_CONFIG directory, so the user's ~/.docker/config.json is never touched, and removes
 *   it when the release ends.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StepError, UsageError } from '../errors.js';
import { refTimeout } from '../util/timeout.js';
import { docker } from './exec.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function hostname(registry: string): string {
  return registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : (registry.split(':')[0] ?? registry);
}

/**
 * Where the registry API lives. Docker itself talks plain HTTP only to loopback registries
 * (insecure by default) and HTTPS to everything else unless configured otherwise, so Shovel
 * checks over the same scheme Docker will use.
 */
export function registryApiUrl(registry: string): string {
  if (registry === 'docker.io') return 'https://registry-1.docker.io/v2/';
  const scheme = LOOPBACK.has(hostname(registry)) ? 'http' : 'https';
  return `${scheme}://${registry}/v2/`;
}

export interface RegistryReachability {
  url: string;
  status: number;
  /** 401: the registry wants credentials. */
  authRequired: boolean;
}

/** Any HTTP answer from /v2/ (200 or 401) means a registry is there. */
export async function checkRegistryReachable(
  registry: string,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<RegistryReachability> {
  const url = registryApiUrl(registry);
  const timeout = refTimeout(options.timeoutMs ?? 5000, options.signal);
  const signal = timeout.signal;
  try {
    const response = await fetch(url, { signal, redirect: 'manual' });
    await response.body?.cancel();
    if (response.status !== 200 && response.status !== 401) {
      throw new StepError(
        'SHOVEL_ERR_REGISTRY_UNEXPECTED',
        `The registry ${registry} answered ${response.status} at ${url}; a Docker registry answers 200 or 401.`,
        { hint: 'Check image.repository in shovel.yml.' },
      );
    }
    return { url, status: response.status, authRequired: response.status === 401 };
  } catch (error) {
    if (error instanceof StepError) throw error;
    if (options.signal?.aborted) throw options.signal.reason;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = signal.aborted ? `no answer within ${(options.timeoutMs ?? 5000) / 1000} s` : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new StepError('SHOVEL_ERR_REGISTRY_UNREACHABLE', `The registry ${registry} is not reachable (${why}).`, {
      command: `GET ${url}`,
      hint: 'Is the registry running, and is image.repository in shovel.yml right?',
    });
  } finally {
    timeout.clear();
  }
}

export interface RegistryCredentials {
  user: string;
  password: string;
}

/** SHOVEL_REGISTRY_USER/SHOVEL_REGISTRY_PASSWORD, both or neither. */
export function registryCredentialsFromEnv(env: NodeJS.ProcessEnv = process.env): RegistryCredentials | undefined {
  const user = env.SHOVEL_REGISTRY_USER ?? '';
  const password = env.SHOVEL_REGISTRY_PASSWORD ?? '';
  if (!user && !password) return undefined;
  if (!user || !password) {
    throw new UsageError(
      'SHOVEL_ERR_REGISTRY_ENV',
      `${user ? 'SHOVEL_REGISTRY_PASSWORD' : 'SHOVEL_REGISTRY_USER'} is not set, but ${user ? 'SHOVEL_REGISTRY_USER' : 'SHOVEL_REGISTRY_PASSWORD'} is.`,
      { hint: 'Set both, or neither to use your own docker login.' },
    );
  }
  return { user, password };
}

/** A docker config directory that lives as long as one release. */
export interface RegistrySession {
  /** Environment for docker commands that need the credentials (push). */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

export async function loginToTemporaryConfig(
  registry: string,
  credentials: RegistryCredentials,
  options: { signal?: AbortSignal } = {},
): Promise<RegistrySession> {
  // mkdtemp creates the directory 0700: the stored credentials are readable by the user only.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shovel-docker-config-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const result = await docker(['login', registry, '--username', credentials.user, '--password-stdin'], {
      env: { DOCKER_CONFIG: dir },
      input: credentials.password,
      ...(options.signal ? { signal: options.signal } : {}),
      allowFailure: true,
    });
    if (!result.ok) {
      const denied = /unauthorized|incorrect username or password|401|denied/i.test(result.all);
      throw new StepError(
        denied ? 'SHOVEL_ERR_REGISTRY_AUTH' : 'SHOVEL_ERR_REGISTRY_LOGIN',
        denied
          ? `The registry ${registry} rejected the credentials of user "${credentials.user}" (from SHOVEL_REGISTRY_USER/SHOVEL_REGISTRY_PASSWORD).`
          : `docker login to ${registry} as "${credentials.user}" failed.`,
        {
          command: `docker login ${registry} --username ${credentials.user} --password-stdin`,
          outputTail: result.all,
          hint: 'Nothing was built or deployed. Check SHOVEL_REGISTRY_PASSWORD.',
        },
      );
    }
    return { env: { DOCKER_CONFIG: dir }, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
