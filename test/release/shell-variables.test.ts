import { describe, expect, it } from 'vitest';
import { shovelConfigSchema } from '../../src/config/schema.js';
import { resolveShellValues, unsetShellVariables } from '../../src/release/shell-env.js';
import { Redactor } from '../../src/release/redact.js';

const config = (extra: Record<string, unknown>) =>
  shovelConfigSchema.parse({ service: { id: 'db' }, image: { repository: '127.0.0.1:5000/db' }, resources: { cpus: 1, memory: 256, instances: 1 }, ...extra });

describe('values shovel.yml takes from the releasing shell', () => {
  it('build.args: ${VAR} resolved, $${ kept literal, the resolved values are the secrets, unset ones named', () => {
    const out = resolveShellValues({ TOKEN: '${NPM_TOKEN}', PLAIN: 'x', LITERAL: '$${HOME}', GONE: '${NOT_SET}-${ALSO_NOT}' }, { NPM_TOKEN: 's3cr3t-token-value' });
    expect(out.args).toEqual({ TOKEN: 's3cr3t-token-value', PLAIN: 'x', LITERAL: '${HOME}', GONE: '-' });
    expect(out.secrets).toContain('s3cr3t-token-value');
    expect(out.secrets).not.toContain('x');
    expect(out.missing).toEqual(['NOT_SET', 'ALSO_NOT']);
  });

  it('env values and, on the docker target, secrets must be set in the shell before anything is built', () => {
    const c = config({ env: { DB_PASSWORD: '${PG_PASSWORD}', MODE: 'fast' }, secrets: { API_KEY: 'prod/api-key' } });
    expect(unsetShellVariables(c, {}, 'docker')).toEqual(['PG_PASSWORD', 'API_KEY']);
    // Marathon reads secrets from its own store.
    expect(unsetShellVariables(c, {}, 'marathon')).toEqual(['PG_PASSWORD']);
    expect(unsetShellVariables(c, { PG_PASSWORD: 'p', API_KEY: 'k' }, 'docker')).toEqual([]);
  });

  it('a value added to the redactor later is redacted from then on', () => {
    const redactor = new Redactor([]);
    expect(redactor.text('token s3cr3t-token-value')).toBe('token s3cr3t-token-value');
    redactor.add(['s3cr3t-token-value']);
    expect(redactor.text('token s3cr3t-token-value')).toBe('token ***');
    expect(redactor.text('cut s3cr3t-tok')).not.toContain('s3cr3t-tok');
  });
});
