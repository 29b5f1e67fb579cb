/**
 * The gate every write goes through: Vobiz mutations, PhoneNumber status writes and finalizer
 * changes. With leader election on, it is open only while this replica holds a Lease it renewed
 * within the renew deadline. It closes by the clock, without waiting for the elector's next
 * attempt, so a replica that cannot reach the API server stops writing before a standby can
 * take the Lease over.
 *
 * NOTE: the gate is checked before a request is sent, and cannot recall one already on its
 * way. A Vobiz request sent just before the gate closes still takes effect when it arrives, so
 * the margin between --lease-duration and --renew-deadline (5 seconds by default) must exceed
 * the time a request takes to reach Vobiz.
 */

/** Thrown by `MutationGate.assertOpen` when this replica may not write. */
export class NotLeaderError extends Error {
  readonly code = 'NOT_LEADER';

  constructor(message: string) {
    super(message);
    this.name = 'NotLeaderError';
  }
}

export interface MutationGate {
  /** Throws `NotLeaderError` unless this replica may write now. */
  assertOpen(action: string): void;
}

/** The gate without leader election: always open. */
export const OPEN_GATE: MutationGate = {
  assertOpen: () => {},
};

/** True when `error` is a `NotLeaderError`. */
export function isNotLeader(error: unknown): error is NotLeaderError {
  return error instanceof NotLeaderError;
}
