/**
 * Leader election on a `coordination.k8s.io/v1` Lease, following client-go's leaderelection
 * package: a candidate takes the Lease when its holder has not renewed it for
 * `leaseDurationMs`, the leader renews every `retryPeriodMs`, and a leader that cannot renew
 * within `renewDeadlineMs` steps down. Expiry is judged by when this process last saw the Lease
 * change, not by the holder's timestamps, so clock skew between nodes does not matter.
 *
 * Every write carries the resourceVersion that was read, so two candidates can never both win.
 */
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';

import type { Logger } from '../log.ts';
import { isApiStatus } from './kube.ts';

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

export class LeaderElector {
  private readonly options: LeaderElectorOptions;
  private readonly api: CoordinationV1Api;
  private leading = false;
  private stopped = false;
  private lastRenewMs = 0;
  private observedRecord = '';
  private observedAtMs = 0;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(options: LeaderElectorOptions) {
    this.options = options;
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leading;
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
      await this.release();
      this.options.onStoppedLeading();
    }
  }

  private async run(): Promise<void> {
    const { logger, retryPeriodMs, renewDeadlineMs } = this.options;

    while (!this.stopped) {
      let holding = false;
      try {
        holding = await this.tryAcquireOrRenew();
      } catch (error) {
        logger.warn({ err: error, lease: this.leaseName() }, 'acquiring or renewing the leader Lease failed');
      }

      const now = Date.now();
      if (holding) {
        this.lastRenewMs = now;
        if (!this.leading) {
          this.leading = true;
          logger.info({ lease: this.leaseName(), identity: this.options.identity }, 'became the leader');
          this.options.onStartedLeading();
        }
      } else if (this.leading && now - this.lastRenewMs > renewDeadlineMs) {
        this.leading = false;
        logger.warn({ lease: this.leaseName(), identity: this.options.identity }, 'lost leadership: could not renew the Lease within the renew deadline');
        this.options.onStoppedLeading();
      }

      await this.sleep(retryPeriodMs);
    }
  }

  private leaseName(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }

  /** Returns true when this replica holds the Lease after the attempt. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationMs } = this.options;
    const now = Date.now();
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
      return true;
    }

    const spec = lease.spec ?? {};
    const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseTransitions]);
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAtMs = now;
    }

    const holder = spec.holderIdentity ?? '';
    const heldByOther = holder !== '' && holder !== identity;
    const durationMs = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (heldByOther && this.observedAtMs + durationMs > now) {
      return false;
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
        return false;
      }
      throw error;
    }
    return true;
  }

  private async release(): Promise<void> {
    const { namespace, name, identity, logger } = this.options;
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) {
        return;
      }
      await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new V1MicroTime(Date.now()) } },
      });
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
