/**
 * Bridge networking without a bridge. A task in bridge mode has a network namespace of its own;
 * Docker forwards each host port to the container port of its mapping, and nothing else of the
 * task is reachable from the host (mesosphere/marathon docs/docs/ports.md, "BRIDGE
 * networking"). Here:
 *
 * - a TCP relay on 127.0.0.1:<hostPort> stands in for Docker's port forwarding: each connection
 *   is connected on to the container port inside the task's namespace;
 * - for a container (`docker run --network none`), the way in is a small relay process run in
 *   the container's namespace (`nsenter --net=/proc/<pid>/ns/net`) that listens on UNIX socket
 *   files (a socket file crosses namespaces) and connects to ports inside.
 *
 * Traffic stays on loopback and in the namespaces the stand-in started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, Socket, type Server } from 'node:net';

/** Opens one connection to a port somewhere (the host's loopback, or inside a task). */
export type Dial = () => Socket;

export function dialLoopback(port: number): Dial {
  return () => connect({ host: '127.0.0.1', port });
}

export function dialSocketFile(path: string): Dial {
  return () => connect({ path });
}

/** A connection that fails at once, as connecting to a port nobody listens on does. */
export function refused(port: number): Socket {
  const socket = new Socket();
  process.nextTick(() => socket.destroy(Object.assign(new Error(`connect ECONNREFUSED: nothing listens on ${port}`), { code: 'ECONNREFUSED' })));
  return socket;
}

export interface Relay {
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:port and pipes every connection to a new `dial()`. */
export function tcpRelay(port: number, dial: Dial): Promise<Relay> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = dial();
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve({
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

/** One UNIX socket file inside a task's namespace and the address it connects to there. */
export interface NetnsRoute {
  socket: string;
  host: string;
  port: number;
}

// Runs inside the task's network namespace (only the network namespace is entered, so the
// host's node binary and file system are used). Argument: the routes as JSON.
const INSIDE = `
const net = require('node:net');
const routes = JSON.parse(process.argv[1]);
let open = 0;
for (const r of routes) {
  net.createServer((client) => {
    const upstream = net.connect({ host: r.host, port: r.port });
    const drop = () => { client.destroy(); upstream.destroy(); };
    client.on('error', drop); upstream.on('error', drop);
    client.pipe(upstream); upstream.pipe(client);
  }).listen(r.socket, () => { if (++open === routes.length) process.stdout.write('ready\\n'); });
}
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/**
 * Starts the relay process in the namespace of process `pid`. It exits when the stand-in closes
 * its stdin (or dies), so a crashed test leaves no relay behind.
 */
export async function netnsRelay(pid: number, routes: NetnsRoute[]): Promise<{ child: ChildProcess; close(): Promise<void> }> {
  const child = spawn('nsenter', [`--net=/proc/${pid}/ns/net`, '--', process.execPath, '-e', INSIDE, JSON.stringify(routes)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`relay in the namespace of ${pid} exited (${code}): ${err.trim()}`)));
    child.once('error', reject);
  });
  return {
    child,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin!.end();
        setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      }),
  };
}
