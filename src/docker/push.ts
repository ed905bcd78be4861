/**
 * `docker push`, and the digest it produced: the digest, not the tag, is what identifies the
 * released bits in the release record.
 */
import { StepError } from '../errors.js';
import { docker } from './exec.js';

const DIGEST = /digest: (sha256:[a-f0-9]{64})/;

/** The digest from push output ("TAG: digest: sha256:... size: N"). */
export function digestFromPushOutput(output: string): string | undefined {
  return DIGEST.exec(output)?.[1];
}

/** The repo digest of `repository` among `docker inspect`'s RepoDigests ("repo@sha256:..."). */
export function digestFromRepoDigests(repoDigests: readonly string[], repository: string): string | undefined {
  for (const entry of repoDigests) {
    const [repo, digest] = entry.split('@');
    if (repo === repository && digest?.startsWith('sha256:')) return digest;
  }
  return undefined;
}

export interface PushOptions {
  repository: string;
  tag: string;
  registry: string;
  /** DOCKER_CONFIG of a temporary login, when Shovel logged in itself. */
  env?: Record<string, string>;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

export async function pushImage(options: PushOptions): Promise<{ digest: string }> {
  const ref = `${options.repository}:${options.tag}`;
  const result = await docker(['push', ref], {
    ...(options.env ? { env: options.env } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onLine ? { onLine: options.onLine } : {}),
    allowFailure: true,
  });
  if (!result.ok) {
    const denied = /unauthorized|denied|authentication required|no basic auth credentials/i.test(result.all);
    throw new StepError(
      denied ? 'SHOVEL_ERR_REGISTRY_AUTH' : 'SHOVEL_ERR_PUSH',
      denied ? `The registry ${options.registry} refused the push of ${ref}: not logged in or not allowed.` : `docker push of ${ref} failed.`,
      {
        command: `docker push ${ref}`,
        outputTail: result.all,
        hint: denied
          ? `Run \`docker login ${options.registry}\`, or set SHOVEL_REGISTRY_USER and SHOVEL_REGISTRY_PASSWORD. Nothing was deployed.`
          : 'Nothing was deployed.',
      },
    );
  }
  const fromOutput = digestFromPushOutput(result.all);
  if (fromOutput) return { digest: fromOutput };
  const inspect = await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', ref]);
  const digest = digestFromRepoDigests(JSON.parse(inspect.stdout || '[]') as string[], options.repository);
  if (!digest) {
    throw new StepError('SHOVEL_ERR_PUSH_DIGEST', `Pushed ${ref}, but could not find its digest.`, {
      command: `docker image inspect ${ref}`,
      outputTail: inspect.all,
    });
  }
  return { digest };
}
