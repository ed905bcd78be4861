import { describe, expect, it } from 'vitest';
import { validateGiven, withDefaults } from '../../src/inputs/resolve.js';
import { UsageError } from '../../src/errors.js';
import { INPUTS } from '../../src/inputs/schema.js';

function thrown(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('validateGiven', () => {
  it('coerces flag strings to the input type', () => {
    expect(validateGiven({ port: '9000', cpus: '0.5', memory: 512 })).toEqual({ port: 9000, cpus: 0.5, memory: 512 });
  });

  it('names the flag, the value and the rule in one line', () => {
    const error = thrown(() => validateGiven({ port: '80' }));
    expect(error.message).toBe('--port: 80 must be a whole number from 1024 to 65535');
    expect(error.exitCode).toBe(2);
  });

  it('reports every invalid input at once', () => {
    const error = thrown(() => validateGiven({ name: 'Bad', port: 'x', cpus: '-1' }));
    expect(error.details).toEqual([
      '--name: "Bad" must use only lowercase letters, digits and hyphens (a DNS label, an npm name and a Marathon app id)',
      '--port: "x" must be a whole number',
      '--cpus: -1 must be a number from 0.01 to 64',
    ]);
  });

  it('refuses a fractional integer and a non-number', () => {
    expect(thrown(() => validateGiven({ instances: '1.5' })).message).toMatch(/--instances: 1.5 must be a whole number/);
    expect(thrown(() => validateGiven({ memory: '1e3' })).message).toMatch(/--memory: "1e3" must be a whole number/);
  });
});

describe('withDefaults', () => {
  it('fills every default and derives the description from the name', () => {
    const answers = withDefaults({ name: 'orders' });
    expect(answers).toMatchObject({ name: 'orders', description: 'The orders service.', port: 8080, instances: 2 });
    expect(Object.keys(answers).sort()).toEqual(INPUTS.map((i) => i.key).sort());
  });

  it('lists every missing required input as a flag', () => {
    const error = thrown(() => withDefaults({}));
    expect(error.message).toBe('missing required input: --name');
    expect(error.code).toBe('SHOVEL_ERR_INPUT_MISSING');
  });
});
