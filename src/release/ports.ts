/**
 * Free host ports for a new container. With host networking the old and the new container
 * run side by side during a release, so the new one can never reuse the old one's ports.
 */
import net from 'node:net';

function onePort(exclude: ReadonlySet<number>): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (exclude.has(port) || port === 0 ? onePort(exclude).then(resolve, reject) : resolve(port)));
    });
  });
}

/** `count` distinct free ports, none of them in `exclude` (ports of running containers). */
export async function freePorts(count: number, exclude: Iterable<number> = []): Promise<number[]> {
  const taken = new Set(exclude);
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await onePort(taken);
    taken.add(port);
    ports.push(port);
  }
  return ports;
}
