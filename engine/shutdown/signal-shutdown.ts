// Graceful shutdown on SIGINT/SIGTERM: the first signal asks the engine to drain both
// rings and stop; a second signal forces the exit at once (exit code 130).

export interface ShutdownHooks {
  /** Stops sources, drains both rings, stops the engine thread. Resolves when done. */
  drainAndStop(reason: string): Promise<void>;
  /** Called just before a forced exit, to say what was left undone. Must be synchronous. */
  describeForcedExit(): string;
}

export interface SignalShutdown {
  /** Removes the signal handlers (call after a normal finish). */
  dispose(): void;
  /** True once a first signal has started the drain. */
  readonly draining: boolean;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const EXIT_CODES: Record<(typeof SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143 };

export function installSignalShutdown(hooks: ShutdownHooks, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): SignalShutdown {
  let draining = false;
  const onSignal = (signal: (typeof SIGNALS)[number]): void => {
    const exitCode = EXIT_CODES[signal];
    if (draining) {
      log(`quantflow: second ${signal}: forcing exit. ${hooks.describeForcedExit()}`);
      process.exit(exitCode);
    }
    draining = true;
    log(`quantflow: ${signal} received: draining rings and stopping (send it again to force exit)`);
    hooks.drainAndStop(signal).then(
      () => process.exit(exitCode),
      (error: unknown) => {
        log(`quantflow: shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return {
    dispose() {
      for (const signal of SIGNALS) process.off(signal, onSignal);
    },
    get draining() {
      return draining;
    },
  };
}

/** A command that stops its work at its next check on a signal and exits once it has reported what it did. */
export interface StopOnSignal {
  /** True once a first signal asked the command to stop (its work checks this: `shouldStop`). */
  readonly requested: boolean;
  /** What the command reports is written: the signal's exit (130/143) goes ahead. */
  reported(): void;
  /** Removes the signal handlers (after the report, or on an error, whose own report exits). */
  dispose(): void;
}

/**
 * installSignalShutdown for a command that runs to a report (backtest, import): the first
 * signal only sets `requested`; the process exits (130/143) when the command calls reported(),
 * so what ran is written and summarised first. A failure after the signal never calls it: the
 * error's report exits. A second signal forces the exit, saying `describeForcedExit()`.
 */
export function installStopOnSignal(describeForcedExit: () => string): StopOnSignal {
  let requested = false;
  let reported = (): void => {};
  const done = new Promise<void>((resolveDone) => (reported = resolveDone));
  const shutdown = installSignalShutdown({
    drainAndStop: async () => {
      requested = true;
      await done;
    },
    describeForcedExit,
  });
  return {
    get requested() {
      return requested;
    },
    reported: () => reported(),
    dispose: () => shutdown.dispose(),
  };
}
