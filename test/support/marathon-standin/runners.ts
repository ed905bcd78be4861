/**
 * How the stand-in runs a task. DockerRunner is the real thing for end-to-end tests: one
 * container per task, on the local engine. InProcessRunner is for fast tests of the client and
 * the wait/deploy logic: each "task" is a tiny node:http server inside the test process, so
 * the stand-in's health checks still make real HTTP requests.
 *
 * Deviation from Marathon, documented: tasks use HOST networking (a hard rule of this test
 * environment), so there is no bridge port mapping. The stand-in allocates free host ports
 * and hands them to the task as $PORT0.., $PORT_<NAME> and, for every env value equal to a
 * mapping's containerPort (e.g. PORT=8080, METRICS_PORT=9090), the host port instead: the
 * service then listens where the health checks look.
 */
import { execFile, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';

export interface TaskSpec {
  taskId: string;
  appId: string;
  image: string;
  env: Record<string, string>;
  ports: number[];
  args?: string[];
}

export interface RunningTask {
  /** Resolves with the exit code when the task ends by itself or after stop(). */
  exited: Promise<{ code: number; message: string }>;
  /** SIGTERM, then SIGKILL after graceSeconds. */
  stop(graceSeconds: number): Promise<void>;
}

export interface TaskRunner {
  start(spec: TaskSpec): Promise<RunningTask>;
  /** Removes everything this runner started. */
  cleanup(): Promise<void>;
}

function run(file: string, args: string[], timeoutMs = 120_000): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 10 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      resolve({ stdout: String(stdout), stderr: String(stderr), code });
    });
  });
}

export class DockerRunner implements TaskRunner {
  private readonly docker: string;
  private readonly label: string;

  constructor(options: { docker?: string; instanceId: string }) {
    this.docker = options.docker ?? process.env.SHOVEL_DOCKER ?? 'docker';
    this.label = `shovel.marathon-standin=${options.instanceId}`;
  }

  async start(spec: TaskSpec): Promise<RunningTask> {
    const name = `standin-${spec.taskId.replace(/[^a-zA-Z0-9_.-]/g, '_')}`.slice(0, 120);
    const envArgs = Object.entries(spec.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    // --network host: the only network these tests may use. --pull never: images are built
    // or loaded beforehand; a test must never reach a public registry.
    const args = ['run', '-d', '--network', 'host', '--pull', 'never', '--name', name, '--label', this.label, ...envArgs, spec.image, ...(spec.args ?? [])];
    const started = await run(this.docker, args);
    if (started.code !== 0) {
      const message = `docker run failed: ${started.stderr.trim().split('\n').slice(-3).join(' ')}`;
      return { exited: Promise.resolve({ code: 125, message }), stop: async () => undefined };
    }
    const id = started.stdout.trim();
    const exited = new Promise<{ code: number; message: string }>((resolve) => {
      const waiter = spawn(this.docker, ['wait', id], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      waiter.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      waiter.on('close', async () => {
        const code = Number.parseInt(out.trim(), 10);
        const logs = await run(this.docker, ['logs', '--tail', '5', id], 10_000);
        const tail = `${logs.stdout}${logs.stderr}`.trim().split('\n').slice(-3).join(' | ');
        await run(this.docker, ['rm', '-f', id], 30_000);
        resolve({ code: Number.isNaN(code) ? 137 : code, message: `Container exited with status ${Number.isNaN(code) ? 'unknown' : code}${tail ? `: ${tail}` : ''}` });
      });
    });
    return {
      exited,
      stop: async (graceSeconds) => {
        await run(this.docker, ['stop', '-t', String(graceSeconds), id], (graceSeconds + 30) * 1000);
        await exited;
      },
    };
  }

  async cleanup(): Promise<void> {
    const listed = await run(this.docker, ['ps', '-aq', '--filter', `label=${this.label}`]);
    const ids = listed.stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await run(this.docker, ['rm', '-f', ...ids]);
  }
}

/**
 * Behaviour by image name (the last path segment without tag):
 * - healthy: /health/live and /health/ready answer 200
 * - never-healthy: both answer 503
 * - not-ready: live 200, ready 503
 * - crash: exits with status 1 after 200 ms
 * Every other path answers 200 with {image, taskId}, so a test can see which version serves.
 */
export class InProcessRunner implements TaskRunner {
  private readonly servers = new Set<Server>();

  async start(spec: TaskSpec): Promise<RunningTask> {
    const kind = (spec.image.split('/').pop() ?? '').split(/[:@]/)[0];
    let finish!: (value: { code: number; message: string }) => void;
    const exited = new Promise<{ code: number; message: string }>((resolve) => (finish = resolve));
    const servers: Server[] = [];
    const live = kind !== 'never-healthy';
    const ready = kind === 'healthy';
    for (const port of spec.ports) {
      const server = createServer((req, res) => {
        const status = req.url === '/health/live' ? (live ? 200 : 503) : req.url === '/health/ready' ? (ready ? 200 : 503) : 200;
        res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify({ image: spec.image, taskId: spec.taskId }));
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
      servers.push(server);
      this.servers.add(server);
    }
    const close = async () => {
      await Promise.all(servers.map((s) => new Promise((resolve) => { s.closeAllConnections(); s.close(resolve); this.servers.delete(s); })));
    };
    if (kind === 'crash') {
      setTimeout(() => void close().then(() => finish({ code: 1, message: 'Container exited with status 1: crashed on purpose' })), 200);
    }
    return {
      exited,
      stop: async () => {
        await close();
        finish({ code: 143, message: 'Container exited with status 143' });
      },
    };
  }

  async cleanup(): Promise<void> {
    await Promise.all([...this.servers].map((s) => new Promise((resolve) => { s.closeAllConnections(); s.close(resolve); })));
    this.servers.clear();
  }
}
