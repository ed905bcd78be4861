import { describe, expect, it } from 'vitest';
import { shovelConfigSchema } from '../../src/config/schema.js';
import { planDocker } from '../../src/release/docker-plan.js';
import { hostPortClash } from '../../src/release/docker-target.js';

const config = (ports: unknown, instances: number) =>
  shovelConfigSchema.parse({ service: { id: 'web' }, image: { repository: '127.0.0.1:5000/web' }, resources: { cpus: 1, memory: 128, instances }, ports });
const clashOf = (ports: unknown, instances: number) => hostPortClash(planDocker(config(ports, instances), { image: 'x:1', tag: 't', env: {} }));

describe('host ports of the docker target', () => {
  it('the {http, metrics} form with metrics = http + 1 and two instances: metrics moves past the http ports', () => {
    const c = config({ http: 8080, metrics: 8081 }, 2);
    expect(c.ports.map((p) => [p.name, p.containerPort, p.hostPort])).toEqual([
      ['http', 8080, 8080],
      ['metrics', 8081, 8082],
    ]);
    expect(clashOf({ http: 8080, metrics: 8081 }, 2)).toBeUndefined();
    // One instance, or ports far apart: the host ports are the container ports.
    expect(config({ http: 8080, metrics: 8081 }, 1).ports[1]!.hostPort).toBe(8081);
    expect(config({ http: 8080, metrics: 9090 }, 3).ports[1]!.hostPort).toBe(9090);
  });

  it('named ports whose instances would meet on a host port are refused, naming both', () => {
    const ports = [
      { name: 'a', containerPort: 80, hostPort: 18000 },
      { name: 'b', containerPort: 81, hostPort: 18001 },
    ];
    expect(clashOf(ports, 1)).toBeUndefined();
    expect(clashOf(ports, 2)).toBe('Host port 18001/tcp would be both port b of instance 0 and port a of instance 1.');
    // tcp and udp are different ports.
    expect(clashOf([ports[0], { ...ports[1], protocol: 'udp' }], 2)).toBeUndefined();
    expect(clashOf([{ name: 'a', containerPort: 80, hostPort: 65535 }], 2)).toBe('Host port 65536 of port a of instance 1 is above 65535.');
  });
});
