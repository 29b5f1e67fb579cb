/**
 * The sandbox's parts (control plane, simulator, operator, cluster objects) and their stop
 * functions. When the abort signal fires while a part is starting, the sandbox stops waiting for
 * it at once and stops the part when its start completes. So a stop after Ctrl-C waits for a
 * kube-apiserver that is slow to become ready only up to the grace period of `stopAll`.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class Parts {
  readonly #stops: Array<() => Promise<void>> = [];
  /** Parts whose start was abandoned after an abort, by name; each promise stops the part once it has started. */
  readonly #starting = new Map<string, Promise<void>>();

  /** Adds a stop function; `stopAll` runs them in the reverse order of `onStop` calls. */
  onStop(stop: () => Promise<void>): void {
    this.#stops.push(stop);
  }

  /**
   * Waits for a part to start and adds its stop function. When `signal` aborts first, rejects at
   * once with the signal's reason, and stops the part with `stop` if its start completes later.
   */
  async start<T>(name: string, starting: Promise<T>, stop: (part: T) => Promise<void>, signal: AbortSignal): Promise<T> {
    let onAbort = (): void => {};
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(signal.reason as Error);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });

    try {
      const part = await Promise.race([starting, aborted]);
      this.#stops.push(() => stop(part));
      return part;
    } catch (error) {
      if (signal.aborted) {
        // A start that fails after the abort has cleaned up after itself, so only a success needs a stop.
        const stopLate = starting.then(stop, () => undefined).finally(() => this.#starting.delete(name));
        this.#starting.set(name, stopLate);
      }
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Runs the stop functions in reverse order, then waits at most `graceMs` for the parts whose
   * start was abandoned. Returns the names of the parts that are still starting after that.
   */
  async stopAll(reportError: (error: unknown) => void, graceMs: number): Promise<string[]> {
    const stops = this.#stops.splice(0).reverse();
    for (const stop of stops) {
      await stop().catch(reportError);
    }

    if (this.#starting.size > 0) {
      const grace = new AbortController();
      await Promise.race([Promise.all(this.#starting.values()), sleep(graceMs, undefined, { signal: grace.signal }).catch(() => undefined)]);
      grace.abort();
    }
    return [...this.#starting.keys()];
  }
}
