/**
 * Where log lines go: stdout, in batches, each written synchronously from the event loop.
 *
 * Why not pino's own destination (sonic-boom): written asynchronously, every write is two
 * hand-overs through Node's thread pool, about 50 µs of CPU even for a 4 KiB batch, where
 * writing it from the event loop takes about 9 µs (measured, to a file); and its synchronous
 * mode measures the whole pending batch again for every line it adds (2.5 µs a line, against
 * 0.7 µs here). On a request that costs about 90 µs of CPU, that is the difference.
 *
 * A line waits at most LOG_FLUSH_MS. What is pending is written when the process exits
 * (exit codes, process.exit after a fatal line, uncaught exceptions), so only a SIGKILL
 * loses lines: those of its last LOG_FLUSH_MS.
 */
import { writeSync } from "node:fs";

/**
 * Log lines are written in batches of at least this many characters (a 16 KiB write costs a
 * third of four 4 KiB ones, measured; it holds the event loop about 15 µs)...
 */
export const LOG_BATCH_BYTES = 16_384;
/** ...or after at most this many milliseconds, whichever comes first. */
export const LOG_FLUSH_MS = 100;

/** How long to wait before writing again when the reader of a non-blocking stdout is behind. */
const RETRY_MS = 10;
const pause = new Int32Array(new SharedArrayBuffer(4));

export class BatchedWriter {
  readonly #fd: number;
  readonly #batch: number;
  #lines: string[] = [];
  #pending = 0;
  #closed = false;

  constructor(fd: number, options: { batch?: number; flushMs?: number } = {}) {
    this.#fd = fd;
    this.#batch = options.batch ?? LOG_BATCH_BYTES;
    setInterval(() => this.flush(), options.flushMs ?? LOG_FLUSH_MS).unref();
  }

  write(line: string): void {
    this.#lines.push(line);
    this.#pending += line.length;
    if (this.#pending >= this.#batch) this.flush();
  }

  /** Writes every pending line now; `done` (pino's `logger.flush(cb)`) is called after. */
  flush(done?: (error?: Error) => void): void {
    if (this.#lines.length > 0 && !this.#closed) this.#writeAll(this.#lines.join(""));
    this.#lines = [];
    this.#pending = 0;
    done?.();
  }

  /** Writes `text` whole: as a string (one copy less), the rest of a partial write as bytes. */
  #writeAll(text: string): void {
    let data: Buffer | undefined;
    let offset = 0;
    for (;;) {
      try {
        if (data === undefined) {
          offset = writeSync(this.#fd, text);
          const size = Buffer.byteLength(text);
          if (offset === size) return;
          data = Buffer.from(text);
        } else {
          offset += writeSync(this.#fd, data, offset);
          if (offset === data.length) return;
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") {
          Atomics.wait(pause, 0, 0, RETRY_MS);
        } else if (code === "EPIPE") {
          // Nobody reads the output any more: drop lines from now on, as pino does.
          this.#closed = true;
          return;
        } else {
          throw error;
        }
      }
    }
  }
}

let stdout: BatchedWriter | undefined;

/** The one batched writer of stdout (fd 1), flushed when the process exits. */
export function batchedStdout(): BatchedWriter {
  if (stdout === undefined) {
    const writer = new BatchedWriter(1);
    process.once("exit", () => writer.flush());
    stdout = writer;
  }
  return stdout;
}
