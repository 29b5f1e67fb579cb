/**
 * Records Kubernetes Events on PhoneNumbers (core/v1, so `kubectl describe pn` shows them). An
 * Event that cannot be written is logged and dropped: Events are for people, never for control.
 */
import os from 'node:os';

import { CoreV1Api, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';

import type { PhoneNumber } from '../api/phone-number.ts';
import type { Logger } from '../log.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  record(resource: PhoneNumber, type: EventType, reason: string, message: string): Promise<void>;
}

export const COMPONENT = 'vobiz-operator';

export class KubernetesEventRecorder implements EventRecorder {
  private readonly api: CoreV1Api;
  private readonly logger: Logger;
  private readonly instance = os.hostname();

  constructor(kubeConfig: KubeConfig, logger: Logger) {
    this.api = kubeConfig.makeApiClient(CoreV1Api);
    this.logger = logger;
  }

  async record(resource: PhoneNumber, type: EventType, reason: string, message: string): Promise<void> {
    const now = new Date();
    const event: CoreV1Event = {
      metadata: { generateName: `${resource.metadata.name}.`, namespace: resource.metadata.namespace },
      involvedObject: {
        apiVersion: resource.apiVersion,
        kind: resource.kind,
        name: resource.metadata.name,
        namespace: resource.metadata.namespace,
        ...(resource.metadata.uid === undefined ? {} : { uid: resource.metadata.uid }),
        ...(resource.metadata.resourceVersion === undefined ? {} : { resourceVersion: resource.metadata.resourceVersion }),
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

    try {
      await this.api.createNamespacedEvent({ namespace: resource.metadata.namespace, body: event });
    } catch (error) {
      this.logger.warn({ err: error, namespace: resource.metadata.namespace, name: resource.metadata.name, reason }, 'recording a Kubernetes Event failed');
    }
  }
}
