/**
 * Host ports of the docker target. Every declared port has a stable host port (shovel.yml
 * `hostPort`, default containerPort, or containerPort + 10000 below 1024): the same address
 * release after release, instance i on hostPort + i. Since a new instance takes over the
 * ports of the old one, a release first makes sure nothing else holds them.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { PortSpec } from '../config/schema.js';

export interface HostPort {
  name: string;
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** The host ports of instance `instance`. */
export function instancePorts(ports: readonly PortSpec[], instance: number): HostPort[] {
  return ports.map((p) => ({ name: p.name, hostPort: p.hostPort + instance, containerPort: p.containerPort, protocol: p.protocol }));
}

export function portKey(port: { hostPort: number; protocol: string }): string {
  return `${port.hostPort}/${port.protocol}`;
}

/** Whether a program holds the port on any address of this host (binding it fails). */
export function portBusy(port: number, protocol: 'tcp' | 'udp'): Promise<boolean> {
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const socket = dgram.createSocket('udp4');
      socket.once('error', () => {
        socket.close();
        resolve(true);
      });
      socket.bind({ port, address: '0.0.0.0', exclusive: true }, () => socket.close(() => resolve(false)));
      return;
    }
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(true));
    server.listen({ host: '0.0.0.0', port, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/** The ports of `ports` that something holds. */
export async function busyPorts(ports: readonly HostPort[]): Promise<HostPort[]> {
  const busy: HostPort[] = [];
  for (const p of ports) if (await portBusy(p.hostPort, p.protocol)) busy.push(p);
  return busy;
}
