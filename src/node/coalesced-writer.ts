// Coalesces "something changed" into one write `delayMs` later (a burst of changes is one write);
// `flush()` writes now if anything is pending (shutdown). Writes run one at a time, in order, so the
// last one holds the newest state. Write errors go to `onError`, never thrown: a full disk must not
// take a node down. Used for the ban file and the discovery node database.
export class CoalescedWriter {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #dirty = false;
  #writing: Promise<void> = Promise.resolve();
  readonly #write: () => Promise<void>;
  readonly #delayMs: number;
  readonly #onError: (e: Error) => void;

  constructor(write: () => Promise<void>, onError: (e: Error) => void, delayMs: number) {
    this.#write = write;
    this.#onError = onError;
    this.#delayMs = delayMs;
  }

  /** Something changed: write soon. */
  changed(): void {
    this.#dirty = true;
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#delayMs);
    this.#timer.unref();
  }

  /** Writes now if anything changed since the last write; resolves when it is on disk. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#writing = this.#writing.then(async () => {
      if (!this.#dirty) return;
      this.#dirty = false;
      try {
        await this.#write();
      } catch (e) {
        this.#onError(e as Error);
      }
    });
    return this.#writing;
  }
}
