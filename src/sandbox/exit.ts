/**
 * Exit of the sandbox process without the orderly stop: on a second Ctrl-C, and after a first
 * one whose stop left a part still starting. Cleanups added with `onForcedExit` run
 * synchronously while the process exits, such as removing the sandbox folder.
 */

const cleanups = new Set<() => void>();

/** Adds a synchronous cleanup for a forced exit; returns the function that removes it again. */
export function onForcedExit(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

/** Exits the process now with `code`, after the cleanups. */
export function exitNow(code: number): never {
  // 'exit' listeners run in the order they were added. The control plane launcher adds one per
  // process it spawns, which SIGKILLs etcd or kube-apiserver. Added now, this listener runs the
  // cleanups after those kills, so no process writes to a folder while it is being removed.
  process.once('exit', () => {
    for (const cleanup of cleanups) {
      try {
        cleanup();
      } catch (error) {
        process.stderr.write(`cleanup failed during exit: ${(error as Error).message}\n`);
      }
    }
  });
  process.exit(code);
}
