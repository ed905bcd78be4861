/**
 * Whether `docker push` will have credentials for a registry that asks for them, known before
 * anything is built. Shovel reads only where the docker client would look (DOCKER_CONFIG or
 * ~/.docker/config.json: `auths`, `credHelpers`, `credsStore`) and never the secrets
 * themselves: a store is asked for its list of registries, not for a password.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StepError } from '../errors.js';
import { run } from '../util/exec.js';

interface DockerConfig {
  auths?: Record<string, { auth?: string; identitytoken?: string; username?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export type LoginSource = 'auths' | 'credHelpers' | 'credsStore';

/** `https://host:5000/v1/` and `host:5000` name the same registry; Docker Hub has three names. */
export function registryKey(server: string): string {
  const host = server.replace(/^[a-z]+:\/\//i, '').split('/')[0]!.toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

export function dockerConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'), 'config.json');
}

async function readDockerConfig(file: string): Promise<DockerConfig> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DockerConfig;
  } catch {
    // No file, or one docker itself could not use either: no credentials from it.
    return {};
  }
}

/** The registries a credential store holds logins for (`docker-credential-<store> list`). */
async function storeRegistries(store: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<string[]> {
  const listed = await run(`docker-credential-${store}`, ['list'], {
    ...(env.PATH ? { env: { PATH: env.PATH } } : {}),
    ...(signal ? { signal } : {}),
    timeoutMs: 10_000,
  });
  if (!listed.ok) return [];
  try {
    return Object.keys(JSON.parse(listed.stdout) as Record<string, string>).map(registryKey);
  } catch {
    return [];
  }
}

/** Where the docker client would find a login for `registry`, or undefined when it has none. */
export async function dockerLoginFor(registry: string, env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<LoginSource | undefined> {
  const config = await readDockerConfig(dockerConfigFile(env));
  const key = registryKey(registry);
  const matches = (server: string) => registryKey(server) === key;
  if (Object.keys(config.credHelpers ?? {}).some(matches)) return 'credHelpers';
  const entry = Object.entries(config.auths ?? {}).find(([server]) => matches(server))?.[1];
  if (entry?.auth || entry?.identitytoken) return 'auths';
  if (config.credsStore && (await storeRegistries(config.credsStore, env, signal)).includes(key)) return 'credsStore';
  return undefined;
}

/** Preflight: a registry that answered 401 needs a login the push can use. */
export async function requireDockerLogin(registry: string, env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<LoginSource> {
  const source = await dockerLoginFor(registry, env, signal);
  if (source) return source;
  throw new StepError('SHOVEL_ERR_REGISTRY_NO_LOGIN', 'Preflight', `The registry ${registry} asks for credentials, and there is no docker login for it.`, {
    details: [`looked in ${dockerConfigFile(env)} (auths, credHelpers, credsStore)`],
    hint: `Run docker login ${registry}, or set SHOVEL_REGISTRY_USER and SHOVEL_REGISTRY_PASSWORD.`,
  });
}
