/** Runs in flight, so a graceful shutdown can let them finish before the process exits. */
export interface RunTracker {
  track<T>(run: Promise<T>): Promise<T>;
  readonly active: number;
  /** Resolves when every tracked run settled, or after `timeoutMs`; true when all settled. */
  drain(timeoutMs: number): Promise<boolean>;
}

export function createRunTracker(): RunTracker {
  const runs = new Set<Promise<unknown>>();
  return {
    track(run) {
      const settled = run.then(
        () => undefined,
        () => undefined,
      );
      runs.add(settled);
      void settled.then(() => runs.delete(settled));
      return run;
    },
    get active() {
      return runs.size;
    },
    async drain(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const all = Promise.all([...runs]).then(() => true as const);
      try {
        return await Promise.race([all, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
