/**
 * `docker pull` of an upstream image (shovel.yml image.ref) the docker target does not have
 * yet: the image comes from wherever its reference points, with the user's own docker login.
 */
import { docker } from './exec.js';

export async function pullImage(ref: string, signal?: AbortSignal): Promise<void> {
  await docker(['pull', ref], {
    ...(signal ? { signal } : {}),
    errorCode: 'SHOVEL_ERR_DOCKER_PULL',
    errorMessage: `docker pull ${ref} failed.`,
    hint: 'Check the reference (tag or digest) and the docker login of its registry, or load the image into the engine first.',
  });
}
