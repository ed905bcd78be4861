import { describe, expect, it } from 'vitest';
import { buildArgs, type BuildFacts } from '../../src/docker/build.js';

const FACTS: BuildFacts = { ref: 'r:1', version: '1', revision: 'abc', created: 'c', title: 't', service: 's' };
const valuesOf = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));

describe('docker build arguments from shovel.yml build settings', () => {
  it('the default Dockerfile of the repository root: no --file, context "."', () => {
    const args = buildArgs({ ...FACTS, dockerfile: 'Dockerfile', context: '.' });
    expect(args).not.toContain('--file');
    expect(args.at(-1)).toBe('.');
  });

  it('a Dockerfile path, a context and a target: --file from the repository root, the context last', () => {
    const args = buildArgs({ ...FACTS, dockerfile: 'docker/server.Dockerfile', context: 'server', target: 'runtime' });
    expect(valuesOf(args, '--file')).toEqual(['docker/server.Dockerfile']);
    expect(valuesOf(args, '--target')).toEqual(['runtime']);
    expect(args.at(-1)).toBe('server');
    // The default file name in another context is still the repository root's.
    expect(valuesOf(buildArgs({ ...FACTS, context: 'server' }), '--file')).toEqual(['Dockerfile']);
  });

  it("the user's build args come after Shovel's, so a user's VERSION wins (docker takes the last)", () => {
    const args = buildArgs({ ...FACTS, args: { VERSION: 'mine', 'ES_JAVA_OPTS': '-Xms1g -Xmx1g' } });
    const buildArgValues = valuesOf(args, '--build-arg');
    expect(buildArgValues.indexOf('VERSION=1')).toBeLessThan(buildArgValues.indexOf('VERSION=mine'));
    expect(buildArgValues).toContain('ES_JAVA_OPTS=-Xms1g -Xmx1g');
  });
});
