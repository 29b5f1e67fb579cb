/**
 * Leader election on a `coordination.k8s.io/v1` Lease, following client-go's leaderelection
 * package: a candidate takes the Lease when its holder has not renewed it for
 * `leaseDurationMs`, the leader renews every `retryPeriodMs`, and a leader that cannot renew
 * within `renewDeadlineMs` steps down. Expiry is judged by when this process last saw the Lease
 * change, not by the holder's timestamps, so clock skew between nodes does not matter.
 *
 * Every write carries the resourceVersion that was read, so two candidates can never both win.
 *
 * The elector is also the operator's `MutationGate`. The gate is open only until
 * `renewDeadlineMs` after the start of the last successful renewal. A standby takes the Lease
 * no earlier than `leaseDurationMs` after it saw that renewal, so the old leader's gate has been
 * closed for at least `leaseDurationMs - renewDeadlineMs` by then. A timer steps the leader
 * down at the same moment, even while a renewal request hangs.
 */
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';

import type { Logger } from '../log.ts';
import { isApiStatus } from './kube.ts';
import { NotLeaderError, type MutationGate } from './mutation-gate.ts';

export interface LeaderElectorOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
  /** Unique id of this replica, for example the pod name plus a random suffix. */
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  logger: Logger;
  onStartedLeading(): void;
  onStoppedLeading(): void;
}

/** Outcome of one attempt to acquire or renew the Lease. */
type Attempt = 'held' | 'heldByOther';

export class LeaderElector implements MutationGate {
  private readonly options: LeaderElectorOptions;
  private readonly api: CoordinationV1Api;
  private leading = false;
  private stopped = false;
  /** Start of the last attempt that acquired or renewed the Lease, in milliseconds. */
  private renewedAtMs = 0;
  private observedRecord = '';
  private observedAtMs = 0;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(options: LeaderElectorOptions) {
    this.options = options;
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get identity(): string {
    return this.options.identity;
  }

  /** True while this replica leads and its last renewal started less than `renewDeadlineMs` ago. */
  holdsLease(nowMs: number = Date.now()): boolean {
    return this.leading && nowMs < this.renewedAtMs + this.options.renewDeadlineMs;
  }

  assertOpen(action: string): void {
    if (!this.holdsLease()) {
      throw new NotLeaderError(`not allowed to ${action}: replica ${this.options.identity} does not hold the leader Lease ${this.leaseName()}`);
    }
  }

  start(): void {
    this.stopped = false;
    this.loop ??= this.run();
  }

  /** Stops campaigning; a leader gives the Lease up so a standby can take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;

    if (this.leading) {
      this.leading = false;
      this.clearDeadline();
      await this.release();
      this.options.logger.info({ lease: this.leaseName(), identity: this.options.identity }, 'stopped leading: the operator is stopping');
      this.options.onStoppedLeading();
    }
  }

  private async run(): Promise<void> {
    const { logger, retryPeriodMs } = this.options;

    while (!this.stopped) {
      const startedAtMs = Date.now();
      let attempt: Attempt | undefined;
      try {
        attempt = await this.bounded(this.tryAcquireOrRenew(startedAtMs), 'acquire or renew the leader Lease');
      } catch (error) {
        // While leading, the deadline timer steps down if no later attempt succeeds in time.
        logger.warn({ err: error, lease: this.leaseName(), leading: this.leading }, 'acquiring or renewing the leader Lease failed');
      }
      if (this.stopped) {
        break;
      }

      if (attempt === 'held') {
        this.renewedAtMs = startedAtMs;
        if (!this.leading) {
          this.leading = true;
          logger.info({ lease: this.leaseName(), identity: this.options.identity }, 'became the leader');
          this.options.onStartedLeading();
        }
        this.armDeadline();
      } else if (attempt === 'heldByOther' && this.leading) {
        this.stepDown('another replica holds the Lease');
      } else if (this.leading && !this.holdsLease()) {
        this.stepDown(`could not renew the Lease within the renew deadline of ${this.options.renewDeadlineMs} ms`);
      }

      await this.sleep(retryPeriodMs);
    }
  }

  /** Schedules the step-down for the moment the renew deadline passes without another renewal. */
  private armDeadline(): void {
    this.clearDeadline();
    // Timers run on a monotonic clock and can fire a millisecond before Date.now() reaches the
    // deadline, so an early timer arms itself again for the rest.
    const delayMs = Math.max(1, this.renewedAtMs + this.options.renewDeadlineMs - Date.now() + 1);
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = undefined;
      if (!this.leading) {
        return;
      }
      if (this.holdsLease()) {
        this.armDeadline();
        return;
      }
      this.stepDown(`could not renew the Lease within the renew deadline of ${this.options.renewDeadlineMs} ms`);
    }, delayMs);
  }

  private clearDeadline(): void {
    if (this.deadlineTimer !== undefined) {
      clearTimeout(this.deadlineTimer);
      this.deadlineTimer = undefined;
    }
  }

  private stepDown(reason: string): void {
    this.leading = false;
    this.clearDeadline();
    this.options.logger.warn({ lease: this.leaseName(), identity: this.options.identity, reason }, 'lost leadership');
    this.options.onStoppedLeading();
  }

  /** Rejects when `work` has not settled within the renew deadline, so a hanging request cannot stall the loop. */
  private bounded<T>(work: Promise<T>, what: string): Promise<T> {
    const limitMs = this.options.renewDeadlineMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${limitMs} ms trying to ${what}`)), limitMs);
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  private leaseName(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }

  /** Tries to acquire or renew the Lease at `now`; throws when the API server fails. */
  private async tryAcquireOrRenew(now: number): Promise<Attempt> {
    const { namespace, name, identity, leaseDurationMs } = this.options;
    const leaseDurationSeconds = Math.ceil(leaseDurationMs / 1000);

    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (!isApiStatus(error, 404)) {
        throw error;
      }
      await this.api.createNamespacedLease({
        namespace,
        body: {
          metadata: { name, namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: new V1MicroTime(now), renewTime: new V1MicroTime(now), leaseTransitions: 0 },
        },
      });
      return 'held';
    }

    // The change is dated when the read returned, never earlier, so a slow read cannot make a
    // holder's Lease look older than it is.
    const spec = lease.spec ?? {};
    const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseTransitions]);
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAtMs = Date.now();
    }

    const holder = spec.holderIdentity ?? '';
    const heldByOther = holder !== '' && holder !== identity;
    const durationMs = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (heldByOther && this.observedAtMs + durationMs > now) {
      return 'heldByOther';
    }

    const sameHolder = holder === identity;
    const updated: V1Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds,
        renewTime: new V1MicroTime(now),
        acquireTime: sameHolder && spec.acquireTime !== undefined ? spec.acquireTime : new V1MicroTime(now),
        leaseTransitions: sameHolder ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
      },
    };

    try {
      await this.api.replaceNamespacedLease({ name, namespace, body: updated });
    } catch (error) {
      if (isApiStatus(error, 409)) {
        // Another candidate wrote the Lease first.
        return 'heldByOther';
      }
      throw error;
    }
    return 'held';
  }

  private async release(): Promise<void> {
    const { namespace, name, identity, logger } = this.options;
    try {
      const lease = await this.bounded(this.api.readNamespacedLease({ name, namespace }), 'read the leader Lease');
      if (lease.spec?.holderIdentity !== identity) {
        return;
      }
      const body: V1Lease = { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new V1MicroTime(Date.now()) } };
      await this.bounded(this.api.replaceNamespacedLease({ name, namespace, body }), 'release the leader Lease');
      logger.info({ lease: this.leaseName() }, 'released the leader Lease');
    } catch (error) {
      logger.warn({ err: error, lease: this.leaseName() }, 'releasing the leader Lease failed; a standby takes over when it expires');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
