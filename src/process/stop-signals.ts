// The signals that stop a long-running command, the same for all of them: SIGINT (Ctrl-C), SIGTERM
// (kill, systemd) and SIGHUP (the terminal closed — without a handler Node dies at once and leaves
// its children running). A second signal while stopping exits at once (130), for a stop that hangs.
//
// When the terminal is gone, writing to it fails (EIO/EPIPE); those errors must not crash the stop
// half-way, so stdout/stderr write errors are dropped from then on.

export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

let quietStreams = false;
/** Ignore write errors on stdout/stderr (the reader went away); idempotent. */
export function tolerateClosedOutput(): void {
  if (quietStreams) return;
  quietStreams = true;
  for (const s of [process.stdout, process.stderr]) s.on("error", () => undefined);
}

/**
 * Calls `onFirst` on the first stop signal; on a second, `onSecond` (default: exit 130 at once).
 * Returns the function that removes the handlers.
 */
export function onStopSignal(onFirst: (sig: StopSignal) => void, onSecond: (sig: StopSignal) => void = () => process.exit(130)): () => void {
  let count = 0;
  const handler = (sig: StopSignal): void => {
    tolerateClosedOutput();
    if (++count > 1) return onSecond(sig);
    onFirst(sig);
  };
  for (const s of STOP_SIGNALS) process.on(s, handler);
  return () => {
    for (const s of STOP_SIGNALS) process.off(s, handler);
  };
}
