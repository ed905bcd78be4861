/**
 * Named steps with progress: a spinner with elapsed time in a terminal, plain timestamped
 * lines elsewhere (CI logs, pipes). Every step's outcome and duration is recorded for
 * --json reports. Output goes to stderr so stdout stays machine-readable.
 */
import { canRedraw } from './terminal.js';
import { colors, type Colors } from './colors.js';
import { StepError } from '../errors.js';
import { nowMs } from '../util/clock.js';

export interface StepRecord {
  name: string;
  status: 'ok' | 'failed' | 'skipped';
  ms: number;
  detail?: string;
}

export interface ProgressOptions {
  stream?: NodeJS.WritableStream;
  /** Spinners and redrawing; default: the stream is a TTY and CI is not set. */
  interactive?: boolean;
}

interface Spinner {
  text: string;
  start(): Spinner;
  succeed(text?: string): Spinner;
  fail(text?: string): Spinner;
  stop(): Spinner;
  clear(): Spinner;
  render(): Spinner;
}

export class Progress {
  readonly records: StepRecord[] = [];
  private readonly stream: NodeJS.WritableStream;
  private readonly interactive: boolean;
  private readonly c: Colors;
  /** The terminal's one spinner: a step that runs beside it (see step) draws none of its own. */
  private spinner: Spinner | undefined;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.interactive = options.interactive ?? canRedraw(this.stream);
    this.c = colors(this.stream);
  }

  private line(text: string): void {
    const prefix = this.interactive ? '' : `${this.c.dim(new Date().toISOString())} `;
    // Above a running spinner, which then draws itself again below the line.
    this.spinner?.clear();
    this.stream.write(`${prefix}${text}\n`);
    this.spinner?.render();
  }

  info(text: string): void {
    this.line(text);
  }

  warn(text: string): void {
    this.line(`${this.c.yellow('!')} ${text}`);
  }

  skip(name: string, reason: string): void {
    this.records.push({ name, status: 'skipped', ms: 0, detail: reason });
    this.line(`${this.c.dim('-')} ${name} ${this.c.dim(`(skipped: ${reason})`)}`);
  }

  /**
   * Runs one named step. `update` changes the step's live detail (e.g. "2/3 healthy"): the
   * spinner redraws it in a terminal; elsewhere each distinct update is one line. A StepError
   * thrown inside gets this step's name (the innermost step's, when steps nest): the one
   * place that names the step an error broke.
   *
   * Steps may run at the same time (the install of a new service beside its first release).
   * Elsewhere their lines interleave, each named; in a terminal the first one keeps the
   * spinner and the other shows only its outcome line, printed above the spinner.
   */
  async step<T>(name: string, fn: (update: (detail: string) => void) => Promise<T>): Promise<T> {
    const started = nowMs();
    const elapsed = () => `${((nowMs() - started) / 1000).toFixed(1)}s`;
    let spinner: Spinner | undefined;
    let timer: NodeJS.Timeout | undefined;
    let detail = '';
    const label = () => `${name}${detail ? ` ${this.c.dim(`(${detail})`)}` : ''}`;
    if (this.interactive && !this.spinner) {
      const { default: ora } = await import('ora');
      spinner = ora({ text: name, stream: this.stream as NodeJS.WriteStream }).start() as unknown as Spinner;
      this.spinner = spinner;
      timer = setInterval(() => {
        if (spinner) spinner.text = `${label()} ${this.c.dim(elapsed())}`;
      }, 100);
      timer.unref();
    } else if (!this.interactive) {
      this.line(`▶ ${name}`);
    }
    const release = () => {
      if (timer) clearInterval(timer);
      if (spinner && this.spinner === spinner) this.spinner = undefined;
    };
    const update = (text: string) => {
      if (text === detail) return;
      detail = text;
      if (!this.interactive) this.line(`  ${name}: ${text}`);
    };
    try {
      const result = await fn(update);
      const ms = Math.round(nowMs() - started);
      this.records.push({ name, status: 'ok', ms, ...(detail ? { detail } : {}) });
      release();
      if (spinner) spinner.succeed(`${name} ${this.c.dim(elapsed())}`);
      else this.line(`${this.c.green('✔')} ${name} ${this.c.dim(elapsed())}`);
      return result;
    } catch (error) {
      if (error instanceof StepError) error.attachStep(name);
      const ms = Math.round(nowMs() - started);
      this.records.push({ name, status: 'failed', ms, detail: error instanceof Error ? error.message : String(error) });
      release();
      if (spinner) spinner.fail(`${name} ${this.c.dim(elapsed())}`);
      else this.line(`${this.c.red('✖')} ${name} ${this.c.dim(elapsed())}`);
      throw error;
    }
  }
}
