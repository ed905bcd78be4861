/**
 * What the docker rows need: an engine, the local registry with its credentials and the base
 * image, as .ci/setup-env.sh provides them. Taken from the environment when set (eval "$(bash
 * .ci/setup-env.sh env)"), otherwise asked of a running setup (read-only `env` command).
 * Nothing is started or pulled here.
 */
import path from 'node:path';
import { run } from './proc.js';
import { ROOT } from './service.js';

const KEYS = ['SHOVEL_DOCKER', 'SHOVEL_TEST_REGISTRY', 'SHOVEL_TEST_REGISTRY_USER', 'SHOVEL_TEST_REGISTRY_PASSWORD', 'SHOVEL_TEST_NODE_IMAGE'];

async function fromSetupScript() {
  const script = path.join(ROOT, '.ci', 'setup-env.sh');
  const { stdout } = await run('bash', ['-c', `eval "$(bash '${script}' env 2>/dev/null)" && env -0`], { timeoutMs: 60_000 });
  const env = {};
  for (const entry of stdout.split('\0')) {
    const at = entry.indexOf('=');
    if (at > 0 && KEYS.includes(entry.slice(0, at))) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return env;
}

/**
 * @returns {Promise<{ ok: true, docker: string, registry: string, user: string, password: string, nodeImage: string, source: string }
 *   | { ok: false, reason: string }>}
 */
export async function dockerEnv() {
  let env = Object.fromEntries(KEYS.filter((key) => process.env[key]).map((key) => [key, process.env[key]]));
  let source = 'environment';
  if (KEYS.some((key) => !env[key])) {
    env = await fromSetupScript().catch(() => ({}));
    source = '.ci/setup-env.sh env';
  }
  const missing = KEYS.filter((key) => !env[key]);
  if (missing.length > 0) {
    return { ok: false, reason: `needs the docker engine, registry and base image of .ci/setup-env.sh (missing ${missing.join(', ')})` };
  }
  const docker = env.SHOVEL_DOCKER;
  try {
    await run(docker, ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 });
  } catch {
    return { ok: false, reason: `needs a running docker engine (${docker} info failed)` };
  }
  try {
    await run(docker, ['image', 'inspect', env.SHOVEL_TEST_NODE_IMAGE], { timeoutMs: 20_000 });
  } catch {
    return { ok: false, reason: `needs the base image ${env.SHOVEL_TEST_NODE_IMAGE} (bash .ci/setup-env.sh builds it)` };
  }
  return {
    ok: true,
    docker,
    registry: env.SHOVEL_TEST_REGISTRY,
    user: env.SHOVEL_TEST_REGISTRY_USER,
    password: env.SHOVEL_TEST_REGISTRY_PASSWORD,
    nodeImage: env.SHOVEL_TEST_NODE_IMAGE,
    source,
  };
}
