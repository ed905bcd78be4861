/**
 * How the stand-in runs a task. DockerRunner is the real thing for end-to-end tests: one
 * container per task on the local engine. InProcessRunner is for fast tests of the client and
 * the wait/deploy logic: each "task" is a tiny node:http program inside the test process.
 *
 * Both give a task exactly the environment the engine built (task-env.ts), untouched, and both
 * model the task's networking (ports.ts): with bridge networking the task has a namespace of
 * its own, reachable from the host only through its host ports, each relayed to its container
 * port (relay.ts). A task that binds a host port inside its namespace is reachable nowhere.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { NetworkMode, PortAssignment } from './ports.js';
import type { Mount } from './volumes.js';
import { dialLoopback, dialSocketFile, netnsRelay, refused, tcpRelay, type Relay } from './relay.js';

export interface TaskSpec {
  taskId: string;
  appId: string;
  image: string;
  env: Record<string, string>;
  network: NetworkMode;
  ports: PortAssignment[];
  /** Directories of this machine the container sees (volumes, ./volumes.ts mountsOf). */
  mounts?: Mount[];
  args?: string[];
  /**
   * The app's `cmd`: "wrapped by Mesos via /bin/sh -c ${app.cmd}" (AppDefinition.json, cmd),
   * which for a Docker image replaces its entrypoint and command.
   */
  cmd?: string;
}

export interface RunningTask {
  /** Resolves with the exit code when the task ends by itself or after stop(). */
  exited: Promise<{ code: number; message: string }>;
  /** SIGTERM, then SIGKILL after graceSeconds. */
  stop(graceSeconds: number): Promise<void>;
  /**
   * A connection to `port` from inside the task's network namespace, where the Mesos agent
   * runs MESOS_* checks (the task's loopback; host networking: the host's).
   */
  dialInside(port: number): Socket;
  /**
   * Runs `/bin/sh -c command` inside the task's container, as the Mesos agent runs a COMMAND
   * health check: the exit code, or undefined when it did not end within timeoutMs. Absent
   * where the task has no shell (in-process tasks).
   */
  exec?(command: string, timeoutMs: number): Promise<number | undefined>;
}

export interface TaskRunner {
  start(spec: TaskSpec): Promise<RunningTask>;
  /** Removes everything this runner started. */
  cleanup(): Promise<void>;
}

/**
 * Where Docker's port forwarding delivers host-port traffic inside a bridged container: the
 * container's own interface address, not its loopback (a server bound to 127.0.0.1 inside a
 * bridged container is unreachable through its host ports). A `--network none` container has
 * loopback only, and 127.0.0.0/8 is all local there: 127.0.0.2 stands in for that address.
 */
export const BRIDGE_ADDRESS_IN_TASK = '127.0.0.2';

function run(file: string, args: string[], timeoutMs = 120_000): Promise<{ stdout: string; stderr: string; code: number; killed: boolean }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 10 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      resolve({ stdout: String(stdout), stderr: String(stderr), code, killed: Boolean(error && (error as { killed?: boolean }).killed) });
    });
  });
}

async function hostRelays(ports: PortAssignment[], dial: (containerPort: number) => Socket): Promise<Relay[]> {
  const relays: Relay[] = [];
  try {
    for (const p of ports) relays.push(await tcpRelay(p.hostPort, () => dial(p.containerPort!)));
  } catch (error) {
    await Promise.all(relays.map((r) => r.close()));
    throw error;
  }
  return relays;
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
    const bridge = spec.network === 'bridge';
    // Bridge mode: a namespace of the container's own (--network none: no bridge networks on
    // these machines), reached through the relays below. Host mode: the host's network.
    // --pull never: images are built or loaded beforehand.
    const args = [
      'run', '-d', '--network', bridge ? 'none' : 'host', '--pull', 'never', '--name', name, '--label', this.label,
      // mesosphere/marathon src/main/scala/mesosphere/mesos/TaskBuilder.scala (computeContainerInfo)
      '--label', `MESOS_TASK_ID=${spec.taskId}`,
      ...(spec.mounts ?? []).flatMap((m) => ['-v', `${m.hostDir}:${m.containerPath}${m.readOnly ? ':ro' : ''}`]),
      ...envArgs,
      ...(spec.cmd !== undefined ? ['--entrypoint', '/bin/sh', spec.image, '-c', spec.cmd] : [spec.image, ...(spec.args ?? [])]),
    ];
    const dir = bridge ? await mkdtemp(path.join(os.tmpdir(), 'standin-netns-')) : '';
    const socketFor = (kind: 'bridge' | 'inside', port: number) => path.join(dir, `${kind}-${port}.sock`);
    const containerPorts = new Set(spec.ports.map((p) => p.containerPort!));
    // The host ports are taken before the container starts, as Docker does.
    let relays: Relay[] = [];
    try {
      if (bridge) relays = await hostRelays(spec.ports, (port) => dialSocketFile(socketFor('bridge', port))());
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      return { exited: Promise.resolve({ code: 125, message: `host port relay failed: ${String(error)}` }), stop: async () => undefined, dialInside: refused };
    }
    const started = await run(this.docker, args);
    if (started.code !== 0) {
      await Promise.all(relays.map((r) => r.close()));
      if (dir) await rm(dir, { recursive: true, force: true });
      const message = `docker run failed: ${started.stderr.trim().split('\n').slice(-3).join(' ')}`;
      return { exited: Promise.resolve({ code: 125, message }), stop: async () => undefined, dialInside: refused };
    }
    const id = started.stdout.trim();
    let inside: { close(): Promise<void> } | undefined;
    if (bridge) {
      const pid = Number((await run(this.docker, ['inspect', '--format', '{{.State.Pid}}', id], 10_000)).stdout.trim());
      const routes = [...containerPorts].flatMap((port) => [
        { socket: socketFor('bridge', port), host: BRIDGE_ADDRESS_IN_TASK, port },
        { socket: socketFor('inside', port), host: '127.0.0.1', port },
      ]);
      // A container that already exited has no namespace left: its ports then refuse, and
      // `docker wait` below reports the exit.
      // (A task without port mappings has nothing to relay.)
      if (pid > 0 && routes.length > 0) {
        try {
          inside = await netnsRelay(pid, routes);
        } catch (error) {
          const stillRunning = (await run(this.docker, ['inspect', '--format', '{{.State.Running}}', id], 10_000)).stdout.trim() === 'true';
          if (stillRunning) {
            // No way into its namespace (e.g. no nsenter): a task nobody can reach must not pass
            // for a running one.
            await run(this.docker, ['rm', '-f', id], 30_000);
            await Promise.all(relays.map((r) => r.close()));
            await rm(dir, { recursive: true, force: true });
            return { exited: Promise.resolve({ code: 125, message: `no way into the task's network namespace: ${String(error)}` }), stop: async () => undefined, dialInside: refused };
          }
        }
      }
    }
    const exited = new Promise<{ code: number; message: string }>((resolve) => {
      const waiter = spawn(this.docker, ['wait', id], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      waiter.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      waiter.on('close', async () => {
        const code = Number.parseInt(out.trim(), 10);
        const logs = await run(this.docker, ['logs', '--tail', '5', id], 10_000);
        const tail = `${logs.stdout}${logs.stderr}`.trim().split('\n').slice(-3).join(' | ');
        await run(this.docker, ['rm', '-f', id], 30_000);
        await Promise.all([...relays.map((r) => r.close()), inside?.close()]);
        if (dir) await rm(dir, { recursive: true, force: true });
        resolve({ code: Number.isNaN(code) ? 137 : code, message: `Container exited with status ${Number.isNaN(code) ? 'unknown' : code}${tail ? `: ${tail}` : ''}` });
      });
    });
    return {
      exited,
      stop: async (graceSeconds) => {
        await run(this.docker, ['stop', '-t', String(graceSeconds), id], (graceSeconds + 30) * 1000);
        await exited;
      },
      exec: async (command, timeoutMs) => {
        const result = await run(this.docker, ['exec', id, '/bin/sh', '-c', command], timeoutMs);
        return result.killed ? undefined : result.code;
      },
      dialInside: (port) => {
        if (!bridge) return dialLoopback(port)();
        // Only the container ports of the mappings have a way in.
        return containerPorts.has(port) ? dialSocketFile(socketFor('inside', port))() : refused(port);
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
 * The in-process task program. Behaviour by image name (the last path segment without tag):
 * - healthy: /health/live and /health/ready answer 200
 * - never-healthy: both answer 503
 * - not-ready: live 200, ready 503
 * - crash: exits with status 1 after 200 ms
 * /env answers the environment the task was started with. GET /files/<path> answers the file at
 * <path> in the task's container (its volumes: 404 when absent) and PUT /files/<path> writes it.
 * Every other path answers 200 with
 * {image, taskId, port} (port: where it listens in its namespace), so a test can see which
 * version serves. Where it listens, like a real program: on the ports its args name (a number, or the
 * name of an environment variable such as PORT or PORT0); without args on the ports its image
 * exposes, which are the container ports of the app's port mappings (host networking: the
 * ports in $PORT0..).
 *
 * Bridge networking is modelled with a namespace per task: a port the program binds there is a
 * private loopback port of the test process, reached from the host only by the relay from the
 * host port of a mapping whose container port it is.
 */
export class InProcessRunner implements TaskRunner {
  private readonly closers = new Set<() => Promise<void>>();

  async start(spec: TaskSpec): Promise<RunningTask> {
    const kind = (spec.image.split('/').pop() ?? '').split(/[:@]/)[0];
    let finish!: (value: { code: number; message: string }) => void;
    const exited = new Promise<{ code: number; message: string }>((resolve) => (finish = resolve));
    const bridge = spec.network === 'bridge';
    const bound = new Map<number, number>(); // port in the task's namespace -> real loopback port
    const servers: Server[] = [];
    const dialInside = (port: number): Socket => {
      if (!bridge) return dialLoopback(port)();
      const real = bound.get(port);
      return real === undefined ? refused(port) : dialLoopback(real)();
    };
    let relays: Relay[] = [];
    const close = async () => {
      await Promise.all([
        ...relays.map((r) => r.close()),
        ...servers.map((s) => new Promise((resolve) => { s.closeAllConnections(); s.close(resolve); })),
      ]);
      this.closers.delete(close);
    };
    this.closers.add(close);
    try {
      if (bridge) relays = await hostRelays(spec.ports, dialInside);
      const live = kind !== 'never-healthy';
      const ready = kind === 'healthy';
      for (const port of listenPorts(spec)) {
        if (bound.has(port)) continue;
        const server = createServer((req, res) => {
          if (req.url?.startsWith('/files/')) {
            void serveFile(spec.mounts ?? [], req, res);
            return;
          }
          const status = req.url === '/health/live' ? (live ? 200 : 503) : req.url === '/health/ready' ? (ready ? 200 : 503) : 200;
          res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
          res.end(JSON.stringify(req.url === '/env' ? spec.env : { image: spec.image, taskId: spec.taskId, port }));
        });
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(bridge ? 0 : port, '127.0.0.1', () => resolve());
        });
        servers.push(server);
        const address = server.address();
        bound.set(port, typeof address === 'object' && address ? address.port : port);
      }
    } catch (error) {
      await close();
      return { exited: Promise.resolve({ code: 125, message: `task failed to start: ${String(error)}` }), stop: async () => undefined, dialInside: refused };
    }
    if (kind === 'crash') {
      setTimeout(() => void close().then(() => finish({ code: 1, message: 'Container exited with status 1: crashed on purpose' })), 200);
    }
    return {
      exited,
      stop: async () => {
        await close();
        finish({ code: 143, message: 'Container exited with status 143' });
      },
      dialInside,
    };
  }

  async cleanup(): Promise<void> {
    await Promise.all([...this.closers].map((c) => c()));
  }
}

function listenPorts(spec: TaskSpec): number[] {
  if (spec.args && spec.args.length > 0) {
    return spec.args.map((arg) => Number(/^\d+$/.test(arg) ? arg : spec.env[arg])).filter((p) => Number.isInteger(p) && p > 0);
  }
  return spec.ports.map((p) => (spec.network === 'bridge' ? p.containerPort! : p.hostPort));
}

/** The in-process task's view of its container's files: only what its mounts give it. */
async function serveFile(mounts: Mount[], req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
  const inside = path.posix.normalize(decodeURIComponent((req.url ?? '').slice('/files'.length)));
  const mount = mounts.filter((m) => inside.startsWith(`${m.containerPath}/`)).sort((a, b) => b.containerPath.length - a.containerPath.length)[0];
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify(body));
  };
  if (!mount) return reply(404, { error: `no volume at ${inside}` });
  const file = path.join(mount.hostDir, inside.slice(mount.containerPath.length + 1));
  try {
    if (req.method === 'PUT') {
      if (mount.readOnly) return reply(403, { error: 'read-only volume' });
      let body = '';
      for await (const chunk of req) body += String(chunk);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, body);
      return reply(200, { written: inside });
    }
    return reply(200, { content: await readFile(file, 'utf8') });
  } catch {
    return reply(404, { error: `no file at ${inside}` });
  }
}
