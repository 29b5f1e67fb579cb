/**
 * A supervised informer on PhoneNumbers: one `ListWatch` from @kubernetes/client-node per
 * watched namespace, or one for all namespaces.
 *
 * ListWatch relists by itself when the API server returns 410 Gone and reconnects after a watch
 * times out, but after any other error (API server down, list refused) it reports the error and
 * stops. The supervisor restarts it with exponential backoff, so the informer never stops
 * silently. `synced` turns true once every namespace has been listed.
 */
import { ListWatch, Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';

import type { Logger } from '../log.ts';
import { phoneNumbersPath, type PhoneNumberClient } from './kube.ts';

export interface InformerHandlers {
  onAdd(object: KubernetesObject): void;
  onUpdate(object: KubernetesObject): void;
  onDelete(object: KubernetesObject): void;
}

export interface PhoneNumberInformerOptions {
  kubeConfig: KubeConfig;
  client: PhoneNumberClient;
  /** Namespaces to watch; empty watches all namespaces. */
  namespaces: readonly string[];
  logger: Logger;
  handlers: InformerHandlers;
  restartBaseMs?: number;
  restartMaxMs?: number;
}

interface Member {
  namespace: string | undefined;
  listWatch: ListWatch<KubernetesObject>;
  listed: boolean;
  restartDelayMs: number;
  restartTimer: NodeJS.Timeout | undefined;
}

export class PhoneNumberInformer {
  private readonly options: PhoneNumberInformerOptions;
  private readonly members: Member[];
  private stopped = true;
  private syncWaiters: (() => void)[] = [];

  constructor(options: PhoneNumberInformerOptions) {
    this.options = options;
    const namespaces: (string | undefined)[] = options.namespaces.length === 0 ? [undefined] : [...options.namespaces];
    this.members = namespaces.map((namespace) => this.createMember(namespace));
  }

  /** True once every watched namespace has been listed at least once. */
  get synced(): boolean {
    return this.members.every((member) => member.listed);
  }

  /** Starts every ListWatch; errors are retried in the background, never thrown here. */
  async start(): Promise<void> {
    this.stopped = false;
    await Promise.all(this.members.map((member) => this.startMember(member)));
  }

  /** Resolves once the informer has synced. */
  waitForSync(): Promise<void> {
    if (this.synced) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const member of this.members) {
      if (member.restartTimer !== undefined) {
        clearTimeout(member.restartTimer);
        member.restartTimer = undefined;
      }
      await member.listWatch.stop();
    }
  }

  /** Returns every cached PhoneNumber, as the API server returned it. */
  list(): KubernetesObject[] {
    return this.members.flatMap((member) => [...member.listWatch.list()]);
  }

  get(namespace: string, name: string): KubernetesObject | undefined {
    for (const member of this.members) {
      if (member.namespace === undefined || member.namespace === namespace) {
        const found = member.listWatch.get(name, namespace);
        if (found !== undefined) {
          return found;
        }
      }
    }
    return undefined;
  }

  private createMember(namespace: string | undefined): Member {
    const { kubeConfig, client, handlers, logger } = this.options;
    const restartBaseMs = this.options.restartBaseMs ?? 1_000;

    const member: Member = { namespace, listed: false, restartDelayMs: restartBaseMs, restartTimer: undefined, listWatch: undefined as unknown as ListWatch<KubernetesObject> };

    const listFn = async () => {
      const list = await client.list(namespace);
      this.onListed(member);
      return list;
    };
    member.listWatch = new ListWatch(phoneNumbersPath(namespace), new Watch(kubeConfig), listFn, false);

    const activity = (handler: (object: KubernetesObject) => void) => (object: KubernetesObject) => {
      member.restartDelayMs = restartBaseMs;
      handler(object);
    };
    member.listWatch.on('add', activity(handlers.onAdd));
    member.listWatch.on('update', activity(handlers.onUpdate));
    member.listWatch.on('delete', activity(handlers.onDelete));
    member.listWatch.on('error', (error: unknown) => {
      if (this.stopped) {
        // stop() aborts the watch request, which ListWatch reports as an error.
        return;
      }
      logger.warn({ err: error, namespace: namespace ?? '(all)', retryInMs: member.restartDelayMs }, 'PhoneNumber watch failed; restarting');
      this.scheduleRestart(member);
    });
    return member;
  }

  private onListed(member: Member): void {
    member.restartDelayMs = this.options.restartBaseMs ?? 1_000;
    if (member.listed) {
      return;
    }
    member.listed = true;
    this.options.logger.info({ namespace: member.namespace ?? '(all)' }, 'PhoneNumber informer listed');

    if (this.synced) {
      const waiters = this.syncWaiters;
      this.syncWaiters = [];
      waiters.forEach((resolve) => resolve());
    }
  }

  private scheduleRestart(member: Member): void {
    if (this.stopped || member.restartTimer !== undefined) {
      return;
    }
    const delayMs = member.restartDelayMs;
    member.restartDelayMs = Math.min(this.options.restartMaxMs ?? 30_000, delayMs * 2);
    member.restartTimer = setTimeout(() => {
      member.restartTimer = undefined;
      void this.startMember(member);
    }, delayMs);
  }

  private async startMember(member: Member): Promise<void> {
    if (this.stopped) {
      return;
    }
    try {
      await member.listWatch.start();
    } catch (error) {
      this.options.logger.warn({ err: error, namespace: member.namespace ?? '(all)' }, 'starting the PhoneNumber watch failed; restarting');
      this.scheduleRestart(member);
    }
  }
}
