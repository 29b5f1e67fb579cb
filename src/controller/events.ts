/**
 * Records Kubernetes Events on PhoneNumbers (core/v1, so `kubectl describe pn` shows them). An
 * Event that cannot be written is logged and dropped: Events are for people, never for control.
 *
 * Repeats are aggregated as client-go's event recorder does: the same object, type, reason and
 * message within `AGGREGATION_WINDOW_MS` of the last occurrence patches the existing Event's
 * `count` and `lastTimestamp` instead of creating another Event. A failure that a reconcile
 * retries with backoff therefore shows as one Event with a growing count. The operator needs
 * only the verbs create and patch on events.
 */
import os from 'node:os';

import { ApiException, CoreV1Api, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';

import type { PhoneNumber } from '../api/phone-number.ts';
import type { Logger } from '../log.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  record(resource: PhoneNumber, type: EventType, reason: string, message: string): Promise<void>;
}

export const COMPONENT = 'vobiz-operator';

/**
 * Time after the last occurrence during which a repeat updates the same Event. client-go
 * (tools/record/events_cache.go) counts exact repeats for as long as its cache keeps them, and
 * uses 10 minutes as the interval for aggregating similar Events, so a repeat after a longer
 * silence starts a new Event here.
 */
export const AGGREGATION_WINDOW_MS = 600_000;

/** Maximum number of Events remembered for aggregation, the size of client-go's event cache too. */
export const MAX_REMEMBERED_EVENTS = 4096;

/** Writes Events; `CoreV1EventSink` writes them to the API server. */
export interface EventSink {
  /** Creates the Event and returns the name the API server gave it. */
  create(namespace: string, event: CoreV1Event): Promise<string>;
  /** Sets `count` and `lastTimestamp` of an existing Event; returns false when the Event no longer exists. */
  updateCount(namespace: string, name: string, count: number, lastTimestamp: Date): Promise<boolean>;
}

/** The core/v1 Events API, with JSON Patch for the updates. */
export class CoreV1EventSink implements EventSink {
  private readonly api: CoreV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.api = kubeConfig.makeApiClient(CoreV1Api);
  }

  async create(namespace: string, event: CoreV1Event): Promise<string> {
    const created = await this.api.createNamespacedEvent({ namespace, body: event });
    return created.metadata?.name ?? '';
  }

  async updateCount(namespace: string, name: string, count: number, lastTimestamp: Date): Promise<boolean> {
    const body = [
      { op: 'add', path: '/count', value: count },
      { op: 'add', path: '/lastTimestamp', value: lastTimestamp.toISOString() },
    ];
    try {
      await this.api.patchNamespacedEvent({ namespace, name, body });
      return true;
    } catch (error) {
      // The API server deletes Events after its --event-ttl (1 hour by default).
      if (error instanceof ApiException && error.code === 404) {
        return false;
      }
      throw error;
    }
  }
}

interface RecordedEvent {
  namespace: string;
  name: string;
  count: number;
  lastSeenMs: number;
}

export interface KubernetesEventRecorderOptions {
  /** Destination of the Events; the API server of `kubeConfig` when absent. */
  sink?: EventSink;
  now?: () => Date;
}

export class KubernetesEventRecorder implements EventRecorder {
  private readonly sink: EventSink;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly instance = os.hostname();
  /** Recorded Events by aggregation key, least recently seen first. */
  private readonly recorded = new Map<string, RecordedEvent>();
  /** The last write of each key, so that repeats of one key are written one after another. */
  private readonly writing = new Map<string, Promise<void>>();

  constructor(kubeConfig: KubeConfig, logger: Logger, options: KubernetesEventRecorderOptions = {}) {
    this.sink = options.sink ?? new CoreV1EventSink(kubeConfig);
    this.logger = logger;
    this.now = options.now ?? (() => new Date());
  }

  async record(resource: PhoneNumber, type: EventType, reason: string, message: string): Promise<void> {
    const { metadata } = resource;
    const key = JSON.stringify([metadata.namespace, resource.kind, metadata.name, metadata.uid ?? '', type, reason, message]);

    const previous = this.writing.get(key) ?? Promise.resolve();
    const write = previous.then(() => this.write(key, resource, type, reason, message));
    this.writing.set(key, write);
    try {
      await write;
    } finally {
      if (this.writing.get(key) === write) {
        this.writing.delete(key);
      }
    }
  }

  /** Updates the Event of `key` when it was seen within the window, else creates one. Never throws. */
  private async write(key: string, resource: PhoneNumber, type: EventType, reason: string, message: string): Promise<void> {
    const now = this.now();
    const { namespace, name } = resource.metadata;

    try {
      const seen = this.recorded.get(key);
      if (seen !== undefined && now.getTime() - seen.lastSeenMs < AGGREGATION_WINDOW_MS) {
        const count = seen.count + 1;
        if (await this.sink.updateCount(seen.namespace, seen.name, count, now)) {
          this.remember(key, { ...seen, count, lastSeenMs: now.getTime() });
          return;
        }
      }

      const eventName = await this.sink.create(namespace, this.newEvent(resource, type, reason, message, now));
      this.remember(key, { namespace, name: eventName, count: 1, lastSeenMs: now.getTime() });
    } catch (error) {
      this.logger.warn({ err: error, namespace, name, reason }, 'recording a Kubernetes Event failed');
    }
  }

  /** Stores `event` as the most recently seen, dropping the least recently seen beyond the limit. */
  private remember(key: string, event: RecordedEvent): void {
    this.recorded.delete(key);
    this.recorded.set(key, event);
    if (this.recorded.size > MAX_REMEMBERED_EVENTS) {
      const oldest = this.recorded.keys().next().value;
      if (oldest !== undefined) this.recorded.delete(oldest);
    }
  }

  private newEvent(resource: PhoneNumber, type: EventType, reason: string, message: string, now: Date): CoreV1Event {
    const { metadata } = resource;
    return {
      metadata: { generateName: `${metadata.name}.`, namespace: metadata.namespace },
      involvedObject: {
        apiVersion: resource.apiVersion,
        kind: resource.kind,
        name: metadata.name,
        namespace: metadata.namespace,
        ...(metadata.uid === undefined ? {} : { uid: metadata.uid }),
        ...(metadata.resourceVersion === undefined ? {} : { resourceVersion: metadata.resourceVersion }),
      },
      type,
      reason,
      message,
      source: { component: COMPONENT },
      reportingComponent: COMPONENT,
      reportingInstance: this.instance,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
  }
}
