/**
 * Drives a command in a pseudo-terminal through util-linux `script`, so prompts see a real
 * TTY. Keys are sent only after the expected text appears, like a person typing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';

export function ptyAvailable(): string | undefined {
  const probe = spawnSync('script', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : 'needs util-linux `script` to run a pseudo-terminal';
}

export class Pty {
  private output = '';
  private readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(command: string, options: { cwd: string; env?: NodeJS.ProcessEnv }) {
    // A fixed size: a terminal with no width breaks spinners and prompt redraws.
    const shell = `stty cols 100 rows 40; exec ${command}`;
    this.child = spawn('script', ['-qfec', shell, '/dev/null'], {
      cwd: options.cwd,
      env: { ...process.env, CI: undefined, NO_COLOR: '1', ...options.env } as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Everything the terminal showed so far, without escape sequences. */
  get screen(): string {
    return stripVTControlCharacters(this.output);
  }

  async waitFor(pattern: RegExp | string, timeoutMs = 10_000): Promise<void> {
    const started = Date.now();
    const found = () => (typeof pattern === 'string' ? this.screen.includes(pattern) : pattern.test(this.screen));
    while (!found()) {
      if (Date.now() - started > timeoutMs) {
        throw new Error(`timed out waiting for ${String(pattern)}; screen so far:\n${this.screen.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Wait for a prompt, then type an answer and Enter. */
  async answer(prompt: RegExp | string, text: string): Promise<void> {
    await this.waitFor(prompt);
    const before = this.screen.length;
    this.child.stdin!.write(`${text}\r`);
    // Let the prompt consume the keys before the next one appears.
    const started = Date.now();
    while (this.screen.length === before && Date.now() - started < 2000) await new Promise((r) => setTimeout(r, 10));
  }

  send(keys: string): void {
    this.child.stdin!.write(keys);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
