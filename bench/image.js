/**
 * 5. Image: what the generated Dockerfile adds on top of its base image (the layers the
 * service owns: package.json, production node_modules, dist), built exactly as `shovel
 * release` builds it. Baseline: the base image itself.
 */
import { ratio } from './lib/stats.js';
import { run } from './lib/proc.js';

const TARGET_MB = 25;
const TAG = 'shovel-bench-svc:bench';

/** Decimal megabytes, as `docker images` shows them. */
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

async function inspect(docker, ref) {
  const { stdout } = await run(docker, ['image', 'inspect', ref, '--format', '{{json .}}']);
  const image = JSON.parse(stdout);
  return { size: image.Size, layers: image.RootFS.Layers };
}

/** @param {{ serviceDir: string, env: { docker: string, nodeImage: string }, log: (line: string) => void }} options */
export async function imageSize({ serviceDir, env, log }) {
  const { docker, nodeImage } = env;
  log(`image: building ${TAG} from the generated Dockerfile (base ${nodeImage})`);
  const buildArgs = ['build', '--network', 'host', '--build-arg', `NODE_IMAGE=${nodeImage}`, '-t', TAG, serviceDir];
  const build = await run(docker, buildArgs, { env: { ...process.env, DOCKER_BUILDKIT: '1' }, timeoutMs: 240_000 });
  try {
    const image = await inspect(docker, TAG);
    const base = await inspect(docker, nodeImage);
    const shared = base.layers.every((layer, i) => image.layers[i] === layer);
    if (!shared) throw new Error(`${TAG} does not start with the layers of ${nodeImage}`);
    const own = image.size - base.size;
    const ownLayers = image.layers.length - base.layers.length;
    // docker history lists the same layers with their sizes: the newest ones are the service's.
    const { stdout } = await run(docker, ['history', '--no-trunc', '--format', '{{.Size}}\t{{.CreatedBy}}', TAG]);
    const biggest = stdout
      .split('\n')
      .slice(0, ownLayers + 20)
      .filter((line) => /^\d/.test(line) && !/^0B/.test(line))
      .map((line) => line.split('\t'))
      .filter(([, by]) => /COPY|RUN/.test(by ?? ''))
      .slice(0, ownLayers)
      .map(([size, by]) => `${size} ${by.replace(/^\/bin\/sh -c #\(nop\)\s*/, '').slice(0, 60).trim()}`);
    return {
      rows: [
        {
          metric: `Image: service layers over the base (${ownLayers} layers)`,
          shovel: mb(own),
          baseline: `${mb(base.size)} (base image)`,
          ratio: ratio(own, base.size),
          target: `<= ${TARGET_MB} MB`,
          pass: own / 1e6 <= TARGET_MB,
          command: `DOCKER_BUILDKIT=1 ${docker} ${buildArgs.join(' ').replace(serviceDir, 'SERVICE_DIR')}; image Size - base Size (docker image inspect)`,
        },
      ],
      notes: [`Image: build took ${(build.ms / 1000).toFixed(1)} s (warm BuildKit cache after the first run); non-empty layers of the service: ${biggest.join('; ')}.`],
    };
  } finally {
    await run(docker, ['rmi', TAG]).catch(() => {});
  }
}

