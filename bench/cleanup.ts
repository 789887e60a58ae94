// Everything the bench starts registers how to stop it here; the closers run
// (newest first) when the run ends, fails, or is interrupted with SIGINT or
// SIGTERM, so no backend or gateway outlives the bench.

export interface Cleanup {
  add(name: string, close: () => Promise<void>): void;
  /** Runs every closer once, newest first; a closer that fails is reported and the rest still run. */
  run(): Promise<void>;
  /** True once run() has begun, e.g. after a signal: later failures are the shutdown, not the bench. */
  isStopping(): boolean;
}

export function createCleanup(): Cleanup {
  const closers: Array<{ name: string; close: () => Promise<void> }> = [];
  let running: Promise<void> | undefined;
  return {
    add(name, close) {
      closers.push({ name, close });
    },
    isStopping() {
      return running !== undefined;
    },
    run() {
      running ??= (async () => {
        for (const { name, close } of closers.reverse()) {
          try {
            await close();
          } catch (error) {
            process.stderr.write(`bench: could not stop ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
          }
        }
      })();
      return running;
    },
  };
}

/** On SIGINT/SIGTERM: stop what was started, then exit 130/143 as a shell expects. */
export function runCleanupOnSignals(cleanup: Cleanup): void {
  const onSignal = (signal: NodeJS.Signals, exitCode: number) => {
    process.stderr.write(`bench: ${signal}, stopping the gateway and backend\n`);
    void cleanup.run().then(() => process.exit(exitCode));
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
}
