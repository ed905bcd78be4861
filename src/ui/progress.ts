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

/** What every scope of one Progress shares: where lines go and how. */
interface Output {
  stream: NodeJS.WritableStream;
  interactive: boolean;
  c: Colors;
  /** The terminal's one spinner: a step that runs beside it (see step) draws none of its own. */
  spinner: Spinner | undefined;
}

export class Progress {
  /** The steps run through this Progress and through its scopes, in the order they ended. */
  readonly records: StepRecord[] = [];
  private readonly out: Output;
  private readonly parent: Progress | undefined;

  /** With `parent`, a scope of it (see scope()); `options` are then the parent's. */
  constructor(options: ProgressOptions = {}, parent?: Progress) {
    this.parent = parent;
    if (parent) this.out = parent.out;
    else {
      const stream = options.stream ?? process.stderr;
      this.out = { stream, interactive: options.interactive ?? canRedraw(stream), c: colors(stream), spinner: undefined };
    }
  }

  /**
   * The same output, with records of its own: the steps run through the scope alone (they
   * count in this Progress too). A release keeps its own steps in its record this way, while
   * another step (the install of a new service) runs beside it on the same terminal.
   */
  scope(): Progress {
    return new Progress({}, this);
  }

  private record(entry: StepRecord): void {
    this.records.push(entry);
    this.parent?.record(entry);
  }

  private line(text: string): void {
    const prefix = this.out.interactive ? '' : `${this.out.c.dim(new Date().toISOString())} `;
    // Above a running spinner, which then draws itself again below the line.
    this.out.spinner?.clear();
    this.out.stream.write(`${prefix}${text}\n`);
    this.out.spinner?.render();
  }

  info(text: string): void {
    this.line(text);
  }

  warn(text: string): void {
    this.line(`${this.out.c.yellow('!')} ${text}`);
  }

  skip(name: string, reason: string): void {
    this.record({ name, status: 'skipped', ms: 0, detail: reason });
    this.line(`${this.out.c.dim('-')} ${name} ${this.out.c.dim(`(skipped: ${reason})`)}`);
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
    const label = () => `${name}${detail ? ` ${this.out.c.dim(`(${detail})`)}` : ''}`;
    if (this.out.interactive && !this.out.spinner) {
      const { default: ora } = await import('ora');
      spinner = ora({ text: name, stream: this.out.stream as NodeJS.WriteStream }).start() as unknown as Spinner;
      this.out.spinner = spinner;
      timer = setInterval(() => {
        if (spinner) spinner.text = `${label()} ${this.out.c.dim(elapsed())}`;
      }, 100);
      timer.unref();
    } else if (!this.out.interactive) {
      this.line(`▶ ${name}`);
    }
    const release = () => {
      if (timer) clearInterval(timer);
      if (spinner && this.out.spinner === spinner) this.out.spinner = undefined;
    };
    const update = (text: string) => {
      if (text === detail) return;
      detail = text;
      if (!this.out.interactive) this.line(`  ${name}: ${text}`);
    };
    try {
      const result = await fn(update);
      const ms = Math.round(nowMs() - started);
      this.record({ name, status: 'ok', ms, ...(detail ? { detail } : {}) });
      release();
      if (spinner) spinner.succeed(`${name} ${this.out.c.dim(elapsed())}`);
      else this.line(`${this.out.c.green('✔')} ${name} ${this.out.c.dim(elapsed())}`);
      return result;
    } catch (error) {
      if (error instanceof StepError) error.attachStep(name);
      const ms = Math.round(nowMs() - started);
      this.record({ name, status: 'failed', ms, detail: error instanceof Error ? error.message : String(error) });
      release();
      if (spinner) spinner.fail(`${name} ${this.out.c.dim(elapsed())}`);
      else this.line(`${this.out.c.red('✖')} ${name} ${this.out.c.dim(elapsed())}`);
      throw error;
    }
  }
}
