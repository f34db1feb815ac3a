// Where the chaos run's process output goes: a file (optional) and the last lines in memory, for a
// failing test to show.
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";

export class LogSink {
  readonly #tail: string[] = [];
  readonly #max: number;
  readonly #stream: WriteStream | undefined;

  constructor(file: string | null, tailLines = 3_000) {
    this.#max = tailLines;
    if (file) {
      mkdirSync(dirname(file), { recursive: true });
      this.#stream = createWriteStream(file, { flags: "w" });
    }
  }

  readonly line = (l: string): void => {
    const stamped = `${new Date().toISOString()} ${l}`;
    this.#tail.push(stamped);
    if (this.#tail.length > this.#max) this.#tail.splice(0, this.#tail.length - this.#max);
    this.#stream?.write(stamped + "\n");
  };

  tail(n = 200): string[] {
    return this.#tail.slice(-n);
  }

  close(): Promise<void> {
    return new Promise((r) => (this.#stream ? this.#stream.end(() => r()) : r()));
  }
}
