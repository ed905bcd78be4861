import { describe, expect, it } from 'vitest';
import { compactTimestamp, imageTag, isValidTag, registryHostOf } from '../../src/docker/tag.js';
import { registryApiUrl } from '../../src/docker/registry.js';
import { digestFromPushOutput, digestFromRepoDigests } from '../../src/docker/push.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const AT = new Date('2024-05-01T12:03:04.567Z');

describe('imageTag', () => {
  it.each([
    [{ version: '1.2.3', sha: SHA }, '1.2.3-0123456'],
    [{ version: '1.2.3-rc.1', sha: SHA }, '1.2.3-rc.1-0123456'],
    [{ version: '1.2.3+build.5', sha: SHA }, '1.2.3-build.5-0123456'],
    [{ version: '1.2.3', sha: SHA, dirtyAt: AT }, '1.2.3-0123456-dirty.20240501T120304Z'],
    [{ version: '', sha: SHA }, '0.0.0-0123456'],
  ])('%j -> %s', (parts, expected) => {
    const tag = imageTag(parts);
    expect(tag).toBe(expected);
    expect(isValidTag(tag)).toBe(true);
  });

  it('differs for two commits and for two dirty builds of one commit', () => {
    expect(imageTag({ version: '1.0.0', sha: 'aaaaaaa1' })).not.toBe(imageTag({ version: '1.0.0', sha: 'bbbbbbb1' }));
    expect(imageTag({ version: '1.0.0', sha: SHA, dirtyAt: AT })).not.toBe(
      imageTag({ version: '1.0.0', sha: SHA, dirtyAt: new Date(AT.getTime() + 1000) }),
    );
  });

  it('compacts timestamps without colons', () => expect(compactTimestamp(AT)).toBe('20240501T120304Z'));
});

describe('registries', () => {
  it.each([
    ['127.0.0.1:5000/orders', '127.0.0.1:5000', 'http://127.0.0.1:5000/v2/'],
    ['localhost:5000/a/b', 'localhost:5000', 'http://localhost:5000/v2/'],
    ['registry.example.com/team/orders', 'registry.example.com', 'https://registry.example.com/v2/'],
    ['orders', 'docker.io', 'https://registry-1.docker.io/v2/'],
    ['team/orders', 'docker.io', 'https://registry-1.docker.io/v2/'],
  ])('%s: host %s, API %s', (repository, host, api) => {
    expect(registryHostOf(repository)).toBe(host);
    expect(registryApiUrl(host)).toBe(api);
  });
});

describe('digests', () => {
  const digest = `sha256:${'ab'.repeat(32)}`;
  it('reads the digest from push output', () => {
    expect(digestFromPushOutput(`abc: Pushed\n1.0.0-abc: digest: ${digest} size: 1570`)).toBe(digest);
    expect(digestFromPushOutput('nothing')).toBeUndefined();
  });
  it('picks the repo digest of the pushed repository', () => {
    expect(digestFromRepoDigests([`other/x@sha256:${'cd'.repeat(32)}`, `127.0.0.1:5000/x@${digest}`], '127.0.0.1:5000/x')).toBe(digest);
    expect(digestFromRepoDigests([], '127.0.0.1:5000/x')).toBeUndefined();
  });
});

describe('upstream image references (image.ref)', async () => {
  const { refVersion, repositoryOfRef } = await import('../../src/docker/tag.js');
  it.each([
    ['redis:7.0.15', 'redis', '7.0.15'],
    ['127.0.0.1:5000/team/nginx:1.27-bookworm', '127.0.0.1:5000/team/nginx', '1.27-bookworm'],
    [`127.0.0.1:5000/pg@sha256:${'ab'.repeat(32)}`, '127.0.0.1:5000/pg', `sha256-${'ab'.repeat(6)}`],
    [`redis:7@sha256:${'cd'.repeat(32)}`, 'redis', '7'],
  ])('%s: repository %s, version %s', (ref, repository, version) => {
    expect(repositoryOfRef(ref)).toBe(repository);
    expect(refVersion(ref)).toBe(version);
  });
});
