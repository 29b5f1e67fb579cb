/**
 * Wires the operator together and runs it in this process: informer → work queue → reconciler,
 * the sweeper, metrics, the HTTP server and, when enabled, leader election. `vobiz-operator run`
 * calls `startOperator`, and so do the integration tests and the sandbox.
 */
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';

import { READY, findCondition } from '../api/conditions.ts';
import { FINALIZER, PAUSED_ANNOTATION, keyOf, type PhoneNumber } from '../api/phone-number.ts';
import { createLogger, type Logger } from '../log.ts';
import { createVobizClient } from '../vobiz/index.ts';
import type { VobizApi } from '../vobiz/types.ts';
import { PurchaseBudget } from './budget.ts';
import type { OperatorConfig } from './config.ts';
import { CredentialAlarm, isUnauthorized } from './credential-alarm.ts';
import { KubernetesEventRecorder, type EventRecorder } from './events.ts';
import { detectDrift, type DriftLabel } from './drift.ts';
import { startHttpServer, type HttpServer } from './http-server.ts';
import { newReplicaIdentity, userAgentOf } from './identity.ts';
import { PhoneNumberInformer } from './informer.ts';
import { PhoneNumberClient } from './kube.ts';
import { LeaderElector } from './leader-election.ts';
import { createMetrics, vobizClientHooks, type NumberState, type OperatorMetrics } from './metrics.ts';
import { OPEN_GATE, isNotLeader, type MutationGate } from './mutation-gate.ts';
import { Reconciler, type PhoneNumberWriter } from './reconciler.ts';
import { ReferenceCache } from './references.ts';
import { ResourceStore } from './resource-store.ts';
import { NumberSnapshot } from './snapshot.ts';
import { Sweeper } from './sweeper.ts';
import { WorkQueue, type HandlerResult } from './work-queue.ts';

export interface OperatorDeps {
  logger?: Logger;
  /** Kubernetes client configuration; loaded from `config.kubeconfig` when absent. */
  kubeConfig?: KubeConfig;
  /** Vobiz client; created from `config.vobiz` when absent. */
  vobiz?: VobizApi;
  /** Event recorder; Kubernetes Events when absent. */
  events?: EventRecorder;
  /**
   * The operator's clock, by which it judges cool-off ends and the hourly purchase budget; the
   * system clock when absent. Tests pass the simulator's clock so that moving it forward ends
   * a cool-off. Leader election always runs on the system clock.
   */
  now?: () => Date;
  /** Identity in the leader Lease and the Vobiz User-Agent; a new one from POD_NAME or the host name when absent. */
  identity?: string;
}

export interface RunningOperator {
  /** Resolves once the informer has synced and a complete sweep has finished (or, on a standby replica, once the informer has synced). */
  ready: Promise<void>;
  /** Rejects when the operator stops working on its own, for example after losing leadership. */
  done: Promise<void>;
  /** Base URL of the metrics and health server. */
  httpUrl: string;
  metrics: OperatorMetrics;
  snapshot: NumberSnapshot;
  /** This replica's identity, as in the leader Lease and the Vobiz User-Agent. */
  identity: string;
  /** Runs a sweep now (on the leader) and resolves when it has finished. */
  sweepNow(): Promise<void>;
  isLeader(): boolean;
  stop(): Promise<void>;
}

/** Loads the kubeconfig: the given path, else in-cluster config, else the default kubeconfig. */
export function loadKubeConfig(kubeconfigPath: string | undefined): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (kubeconfigPath !== undefined) {
    kubeConfig.loadFromFile(kubeconfigPath);
  } else if (process.env.KUBERNETES_SERVICE_HOST !== undefined) {
    kubeConfig.loadFromCluster();
  } else {
    kubeConfig.loadFromDefault();
  }
  return kubeConfig;
}

/** Lists the fields whose change needs a reconcile. Status-only updates, such as the operator's own writes, need none. */
function reconcileSignature(object: KubernetesObject): string {
  const metadata = object.metadata ?? {};
  return JSON.stringify([metadata.generation, metadata.deletionTimestamp, metadata.finalizers, metadata.annotations?.[PAUSED_ANNOTATION]]);
}

export async function startOperator(config: OperatorConfig, deps: OperatorDeps = {}): Promise<RunningOperator> {
  const logger = deps.logger ?? createLogger({ level: config.logLevel });
  const kubeConfig = deps.kubeConfig ?? loadKubeConfig(config.kubeconfig);
  const now = deps.now ?? (() => new Date());
  const identity = deps.identity ?? newReplicaIdentity();

  const snapshot = new NumberSnapshot();
  const states = new Map<string, NumberState>();
  const signatures = new Map<string, string>();
  const driftByKey = new Map<string, ReadonlySet<DriftLabel>>();
  let leader = !config.leaderElection.enabled;

  // Filled in below; the metric sources read them only when Prometheus scrapes.
  const late: { queue?: WorkQueue; store?: ResourceStore } = {};

  const resources = (): PhoneNumber[] => late.store?.list() ?? [];

  const monthlyFees = (): Map<string, number> => {
    const totals = new Map<string, number>();
    const claimed = new Set(resources().map((resource) => resource.spec.e164));
    for (const number of snapshot.all()) {
      if (claimed.has(number.e164) && number.status === 'active') {
        totals.set(number.currency, (totals.get(number.currency) ?? 0) + number.monthlyFee);
      }
    }
    return totals;
  };

  const metrics = createMetrics({
    queueDepth: () => late.queue?.depth ?? 0,
    numbersByState: () => {
      const counts: Record<NumberState, number> = { ready: 0, drifted: 0, cool_off: 0, error: 0 };
      for (const state of states.values()) counts[state] += 1;
      return counts;
    },
    unmanagedNumbers: () => {
      const claimed = new Set(resources().map((resource) => resource.spec.e164));
      return snapshot.all().filter((number) => number.status !== 'released' && !claimed.has(number.e164)).length;
    },
    monthlyFeesByCurrency: monthlyFees,
    coolOffOverdueNumbers: () => {
      const nowMs = now().getTime();
      return resources().filter((resource) => {
        const ready = findCondition(resource.status?.conditions, READY);
        const until = resource.status?.coolOffUntil;
        return ready?.reason === 'CoolOffInEffect' && until !== undefined && Date.parse(until) < nowMs;
      }).length;
    },
    isLeader: () => leader,
  });

  // Sees every Vobiz response of the client created here; a client passed in `deps` reports none.
  const credentialAlarm = new CredentialAlarm({ authId: config.vobiz.authId, logger: logger.child({ component: 'vobiz' }) });
  const metricHooks = vobizClientHooks(metrics);
  const vobiz = deps.vobiz ?? createVobizClient({
    baseUrl: config.vobiz.baseUrl,
    authId: config.vobiz.authId,
    authToken: config.vobiz.authToken,
    logger: logger.child({ component: 'vobiz' }),
    hooks: {
      ...metricHooks,
      onRequest: (event) => {
        metricHooks.onRequest(event);
        credentialAlarm.observe(event.statusCode);
      },
    },
    rateLimit: config.vobiz.rateLimit,
    maxConcurrency: config.maxConcurrency,
    userAgent: userAgentOf(identity),
  });

  const client = new PhoneNumberClient(kubeConfig);
  const workQueue = new WorkQueue({
    maxConcurrency: config.maxConcurrency,
    // client-go's default controller rate limit: 10 keys per second with a burst of 100.
    rateLimit: { perSecond: 10, burst: 100 },
    onHandlerError: (key, error) => logger.error({ err: error, key }, 'reconcile failed'),
  });
  late.queue = workQueue;

  const enqueueClaimants = (e164: string): void => {
    for (const resource of resources()) {
      if (resource.spec.e164 === e164) workQueue.add(keyOf(resource));
    }
  };

  const informer = new PhoneNumberInformer({
    kubeConfig,
    client,
    namespaces: config.namespaces,
    logger: logger.child({ component: 'informer' }),
    handlers: {
      onAdd: (object) => {
        const key = keyOf({ metadata: object.metadata ?? {} });
        signatures.set(key, reconcileSignature(object));
        workQueue.add(key);
      },
      onUpdate: (object) => {
        const key = keyOf({ metadata: object.metadata ?? {} });
        const signature = reconcileSignature(object);
        if (signatures.get(key) !== signature) {
          signatures.set(key, signature);
          workQueue.add(key);
        }
      },
      onDelete: (object) => {
        const key = keyOf({ metadata: object.metadata ?? {} });
        signatures.delete(key);
        states.delete(key);
        driftByKey.delete(key);
        late.store?.forget(key);
        // A duplicate of the deleted resource may own the number now.
        const e164 = (object as { spec?: { e164?: unknown } }).spec?.e164;
        if (typeof e164 === 'string') enqueueClaimants(e164);
      },
    },
  });
  const resourceStore = new ResourceStore(informer, logger);
  late.store = resourceStore;

  // The watch event of the operator's own finalizer write needs no second reconcile, which
  // could repeat a failed Vobiz call at once, so its signature is recorded before the write.
  const writer: PhoneNumberWriter = {
    writeStatus: (resource, status, options) => client.writeStatus(resource, status, options),
    removeFinalizer: (resource) => client.removeFinalizer(resource),
    addFinalizer: async (resource) => {
      const key = keyOf(resource);
      const previous = signatures.get(key);
      const finalizers = [...(resource.metadata.finalizers ?? []), FINALIZER];
      signatures.set(key, reconcileSignature({ metadata: { ...resource.metadata, finalizers } } as KubernetesObject));
      try {
        return await client.addFinalizer(resource);
      } catch (error) {
        if (previous === undefined) signatures.delete(key);
        else signatures.set(key, previous);
        throw error;
      }
    },
  };

  // Without leader election the gate is always open. With it, the elector created below is the
  // gate, and the work queue starts only once the elector leads.
  let elector: LeaderElector | undefined;
  const gate: MutationGate = { assertOpen: (action) => (elector ?? OPEN_GATE).assertOpen(action) };

  const reconciler = new Reconciler({
    store: resourceStore,
    vobiz,
    snapshot,
    writer,
    events: deps.events ?? new KubernetesEventRecorder(kubeConfig, logger),
    // Read only when a plan spends money: once per sweep interval, and for an unknown id at most every 10 s.
    references: new ReferenceCache({ vobiz, ttlMs: config.sweepIntervalMs, logger: logger.child({ component: 'references' }) }),
    budget: new PurchaseBudget(config.budget),
    monthlyFees,
    logger,
    metrics,
    states,
    now,
    gate,
  });

  const handle = async (key: string): Promise<HandlerResult> => {
    const end = metrics.reconcileDuration.startTimer();
    try {
      const result = await reconciler.reconcile(key);
      metrics.reconciles.inc({ result: result.outcome });
      return result;
    } catch (error) {
      if (isNotLeader(error)) {
        // The queue is shutting down with the lost leadership; the new leader reconciles the key.
        logger.warn({ key, err: error }, 'stopped a reconcile before its next write: this replica no longer leads');
        return { outcome: 'success' };
      }
      metrics.reconciles.inc({ result: 'error' });
      throw error;
    } finally {
      end();
    }
  };

  /** After a complete sweep: counts newly found drift and enqueues every resource that needs work. */
  const afterSweep = (): void => {
    const findings = detectDrift({
      resources: resources(),
      observe: (e164) => snapshot.get(e164),
      mainAccountId: vobiz.authId,
      previous: driftByKey,
      now: now(),
      retryPending: (key) => workQueue.hasDelayed(key),
    });

    for (const finding of findings) {
      finding.newFields.forEach((field) => metrics.driftDetected.inc({ field }));
      driftByKey.set(finding.key, finding.fields);

      if (finding.enqueue) {
        if (finding.specDrifted && (states.get(finding.key) ?? 'ready') === 'ready') {
          states.set(finding.key, 'drifted');
        }
        workQueue.add(finding.key);
      }
    }
  };

  /** True while the last sweep failed because Vobiz rejected the credentials. */
  let credentialsRejected = false;

  let firstSweepDone: () => void = () => {};
  const firstSweep = new Promise<void>((resolve) => {
    firstSweepDone = resolve;
  });

  const sweeper = new Sweeper({
    vobiz,
    snapshot,
    intervalMs: config.sweepIntervalMs,
    logger: logger.child({ component: 'sweeper' }),
    metrics: {
      onPage: () => metrics.sweepPages.inc(),
      onSweep: (result, durationSeconds, completedAt) => {
        metrics.sweeps.inc({ result });
        metrics.sweepDuration.observe(durationSeconds);
        if (completedAt !== undefined) metrics.lastCompleteSweep.set(completedAt.getTime() / 1000);
      },
    },
    onComplete: () => {
      credentialsRejected = false;
      afterSweep();
      firstSweepDone();
    },
    onIncomplete: (error) => {
      credentialsRejected = isUnauthorized(error);
    },
  });

  let failDone: (error: Error) => void = () => {};
  const done = new Promise<void>((_resolve, reject) => {
    failDone = reject;
  });
  // Callers that never await `done` must not see an unhandled rejection.
  done.catch(() => {});

  const startLeading = (): void => {
    leader = true;
    workQueue.start(handle);
    sweeper.start();
  };

  let stopping: Promise<void> | undefined;
  if (config.leaderElection.enabled) {
    const namespace = config.leaderElection.namespace;
    if (namespace === undefined) {
      throw new Error('leader election needs a namespace: set --leader-election-namespace or POD_NAMESPACE');
    }
    elector = new LeaderElector({
      kubeConfig,
      namespace,
      name: config.leaderElection.id,
      identity,
      leaseDurationMs: config.leaderElection.leaseDurationMs,
      renewDeadlineMs: config.leaderElection.renewDeadlineMs,
      retryPeriodMs: config.leaderElection.retryPeriodMs,
      logger: logger.child({ component: 'leader-election' }),
      onStartedLeading: () => {
        metrics.leaderTransitions.inc();
        startLeading();
      },
      onStoppedLeading: () => {
        leader = false;
        metrics.leaderTransitions.inc();
        if (stopping !== undefined) {
          return;
        }
        // Like controller-runtime, stop rather than risk two replicas mutating Vobiz.
        void sweeper.stop();
        void workQueue.shutDown();
        failDone(new Error('lost leadership; stopping so that a restart campaigns again'));
      },
    });
  }

  const httpServer: HttpServer = await startHttpServer({
    host: config.httpHost,
    port: config.httpPort,
    registry: metrics.registry,
    readiness: {
      notReadyReason: () => {
        if (!informer.synced) return 'the PhoneNumber informer has not synced';
        if (leader && credentialsRejected) return `the last sweep failed: Vobiz rejected the credentials (401 unauthorized) for auth id ${vobiz.authId}`;
        if (leader && !snapshot.ready) return 'no complete sweep of the Vobiz account yet';
        return undefined;
      },
    },
  });

  await informer.start();
  if (elector === undefined) {
    startLeading();
  } else {
    elector.start();
  }

  logger.info(
    {
      namespaces: config.namespaces.length === 0 ? '(all)' : config.namespaces,
      vobizUrl: config.vobiz.baseUrl,
      authId: vobiz.authId,
      sweepIntervalMs: config.sweepIntervalMs,
      http: httpServer.url,
      leaderElection: config.leaderElection.enabled,
      identity,
    },
    'operator started',
  );

  const ready = (async () => {
    await informer.waitForSync();
    if (leader) await firstSweep;
  })();
  ready.catch(() => {});

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await sweeper.stop();
      await workQueue.shutDown();
      await elector?.stop();
      await informer.stop();
      await httpServer.close();
      logger.info('operator stopped');
    })();
    return stopping;
  };

  return {
    ready,
    done,
    httpUrl: httpServer.url,
    metrics,
    snapshot,
    identity,
    sweepNow: () => sweeper.sweepNow(),
    isLeader: () => leader,
    stop,
  };
}
