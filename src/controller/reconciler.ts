/**
 * The reconciler: brings one PhoneNumber's number at Vobiz in line with its spec.
 *
 * It reads the number from the snapshot (the last complete sweep plus confirmed mutations), gets
 * actions from the planner, executes them one by one through the Vobiz client, updates the
 * snapshot from what Vobiz confirmed, records one Event per mutation, and writes status only
 * when it changed. Each reconcile ends in a work-queue result: done, requeue at a time, or error.
 */
import { randomBytes } from 'node:crypto';

import {
  FINALIZER,
  isDeleting,
  isPaused,
  keyOf,
  type PendingPurchase,
  type PhoneNumber,
} from '../api/phone-number.ts';
import type { Logger } from '../log.ts';
import { isVobizError } from '../vobiz/errors.ts';
import type { OwnedNumber, VobizApi } from '../vobiz/types.ts';
import { describeAction, eventReasonOf, type Action } from './actions.ts';
import { purchaseTimesFromStatus, type PurchaseBudget } from './budget.ts';
import { COOL_OFF_BACKOFF_MAX_MS, coolOffFromRefusal, coolOffJitterMs } from './cool-off.ts';
import { isUnauthorized } from './credential-alarm.ts';
import { checkPurchaseBudget } from './purchase-guard.ts';
import { finalize } from './finalizer.ts';
import type { EventRecorder } from './events.ts';
import { classifyFailure, classifyReadFailure, SYNCED_OK, type Failure } from './failures.ts';
import { isResourceChanged, type StatusWriteOptions } from './kube.ts';
import type { NumberState, OperatorMetrics } from './metrics.ts';
import { OPEN_GATE, isNotLeader, type MutationGate } from './mutation-gate.ts';
import { executeAction } from './mutations.ts';
import { DUPLICATE_REASON, claimOwner, ownsNumber } from './ownership.ts';
import { planNumber, type Plan } from './planner.ts';
import { checkReferences } from './reference-check.ts';
import type { AccountReferenceCache } from './references.ts';
import type { ResourceStore } from './resource-store.ts';
import type { NumberSnapshot } from './snapshot.ts';
import { buildStatus, type ConditionOutcome, type StatusInput } from './status.ts';
import type { HandlerResult } from './work-queue.ts';

/** A status change for `writeStatus`; `observed`, when present, replaces the observed fields. */
export type StatusUpdate = Omit<StatusInput, 'mainAccountId' | 'observation'> & { observed?: OwnedNumber | undefined };

/** Writes to PhoneNumbers on the API server; `PhoneNumberClient` implements it. */
export interface PhoneNumberWriter {
  writeStatus(resource: PhoneNumber, status: NonNullable<PhoneNumber['status']>, options?: StatusWriteOptions): Promise<PhoneNumber>;
  addFinalizer(resource: PhoneNumber): Promise<PhoneNumber>;
  removeFinalizer(resource: PhoneNumber): Promise<PhoneNumber | undefined>;
}

export interface ReconcilerDeps {
  store: ResourceStore;
  vobiz: VobizApi;
  snapshot: NumberSnapshot;
  writer: PhoneNumberWriter;
  events: EventRecorder;
  /** Trunk groups and sub-accounts at Vobiz, checked before a purchase or a cancelled release. */
  references: AccountReferenceCache;
  budget: PurchaseBudget;
  /** Monthly fees of managed numbers by currency, for the monthly-fee budget. */
  monthlyFees: () => ReadonlyMap<string, number>;
  logger: Logger;
  metrics?: OperatorMetrics;
  /** State of each resource for `vobiz_operator_numbers`, keyed `namespace/name`. */
  states: Map<string, NumberState>;
  /** The operator's clock; the system clock when absent. Cool-off ends and the hourly budget are judged by it. */
  now?: () => Date;
  /** Checked before every write to Vobiz or the API server; always open when absent. */
  gate?: MutationGate;
}

/** How often a reconcile may re-read a number and plan again after Vobiz disagreed with the snapshot. */
const MAX_REPLANS = 3;
/** Requeue delay while Vobiz finishes a purchase it reports as `pending_purchase`. */
const PURCHASE_PENDING_RETRY_MS = 15_000;
const RESOURCE_CHANGED = Symbol('resource changed');
const OWNERSHIP_LOST = Symbol('ownership lost');

const READY_CONVERGED: ConditionOutcome = {
  status: 'True',
  reason: 'Converged',
  message: 'The number is owned and on the sub-account and trunk group the spec names.',
};

interface Context {
  key: string;
  resource: PhoneNumber;
  log: Logger;
}

/** Status fields a failed or held reconcile carries over. */
type CarriedStatus = Pick<StatusInput, 'coolOffUntil' | 'coolOffRetries' | 'pendingPurchase'>;

export class Reconciler {
  private readonly deps: ReconcilerDeps;
  private readonly now: () => Date;
  private readonly gate: MutationGate;

  constructor(deps: ReconcilerDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
    this.gate = deps.gate ?? OPEN_GATE;
  }

  /** Reconciles the resource with this `namespace/name` key. */
  async reconcile(key: string): Promise<HandlerResult> {
    const resource = this.deps.store.get(key);
    if (resource === undefined) {
      this.deps.states.delete(key);
      return { outcome: 'success' };
    }

    const log = this.deps.logger.child({
      namespace: resource.metadata.namespace,
      name: resource.metadata.name,
      e164: resource.spec.e164,
      reconcileId: randomBytes(6).toString('hex'),
    });
    const context: Context = { key, resource, log };

    if (isDeleting(resource)) {
      return finalize({ ...this.deps, gate: this.gate, resource, key, log, writeStatus: (input) => this.writeStatus(context, input) });
    }
    if (isPaused(resource)) {
      await this.writeStatus(context, { synced: { status: 'False', reason: 'Paused', message: 'The paused annotation is "true"; the operator takes no action.' } });
      return { outcome: 'success' };
    }

    if (!(resource.metadata.finalizers ?? []).includes(FINALIZER)) {
      this.gate.assertOpen(`add the finalizer to ${key}`);
      context.resource = await this.deps.writer.addFinalizer(resource);
      this.deps.store.remember(context.resource);
    }

    const all = this.deps.store.list();
    if (!ownsNumber(context.resource, all)) {
      return this.reportDuplicate(context, all);
    }

    if (!this.deps.snapshot.ready) {
      // The first complete sweep enqueues every resource that needs work.
      log.debug('no complete sweep yet; waiting for one');
      return { outcome: 'success' };
    }

    return this.converge(context);
  }

  private async reportDuplicate(context: Context, all: PhoneNumber[]): Promise<HandlerResult> {
    const owner = claimOwner(all, context.resource.spec.e164);
    const ownerName = owner === undefined ? 'another PhoneNumber' : `PhoneNumber ${keyOf(owner)}`;
    // spec.e164 is immutable, so deleting one of the two is the only fix. The finalizer of a
    // deleted owner leaves the number at Vobiz while this resource still claims it.
    await this.writeStatus(context, {
      ready: {
        status: 'False',
        reason: DUPLICATE_REASON,
        message:
          `${ownerName} was created first and already claims ${context.resource.spec.e164}, and spec.e164 cannot be changed. ` +
          `Delete one of the two resources: this one, or ${ownerName}, after which this one takes over the number.`,
      },
      synced: SYNCED_OK,
    });
    this.deps.states.set(context.key, 'error');
    return { outcome: 'success' };
  }

  private async converge(context: Context): Promise<HandlerResult> {
    const { resource, log } = context;
    const { snapshot } = this.deps;
    const spec = resource.spec;

    let observed = snapshot.get(spec.e164);
    let coolOffUntil = resource.status?.coolOffUntil === undefined ? undefined : new Date(resource.status.coolOffUntil);
    let coolOffRetries = resource.status?.coolOffRetries ?? 0;
    let pendingPurchase: PendingPurchase | undefined = resource.status?.pendingPurchase;
    let lookedUp = false;

    // A purchase was started and never confirmed (the operator stopped, or the outcome was
    // unknown): look the number up before anything could buy it a second time.
    if (pendingPurchase !== undefined && (observed === undefined || observed.status === 'released')) {
      observed = await this.lookUp(spec.e164);
      lookedUp = true;
      log.info({ found: observed !== undefined }, 'resolved a pending purchase by looking the number up at Vobiz');
      if (observed === undefined) {
        pendingPurchase = undefined;
      }
    }

    if (spec.managementPolicy === 'Observe') {
      return this.observeOnly(context, observed, coolOffUntil);
    }

    const carried = (): CarriedStatus => ({ coolOffUntil, coolOffRetries, pendingPurchase });

    let plan = this.plan(context, observed, coolOffUntil);

    // The snapshot is up to a sweep interval old. Before buying, confirm at Vobiz that the
    // account does not own the number already (then it is adopted) or hold it pending release.
    if (!lookedUp && plan.actions.some((action) => action.type === 'purchase')) {
      observed = await this.lookUp(spec.e164);
      plan = this.plan(context, observed, coolOffUntil);
    }
    for (let replans = 0; ; replans += 1) {
      const unplaceable = await this.checkReferences(context, plan);
      if (unplaceable !== undefined) {
        return this.finish(context, observed, unplaceable, carried());
      }

      let failedAction: Action | undefined;
      let failure: unknown;

      for (const action of plan.actions) {
        try {
          if (action.type === 'purchase') {
            // The budget check, the intent and the purchase run one purchase at a time, so two
            // reconciles cannot both pass the check before either has bought.
            const held = await this.deps.budget.exclusive(async (): Promise<Failure | typeof RESOURCE_CHANGED | typeof OWNERSHIP_LOST | undefined> => {
              // A claimant created in the same second may have started its purchase while this
              // reconcile read Vobiz. Its intent is in the store by now, and it keeps the number.
              if (!ownsNumber(context.resource, this.deps.store.list())) {
                return OWNERSHIP_LOST;
              }

              const exceeded = await this.checkBudget(action);
              if (exceeded !== undefined) {
                return exceeded;
              }

              // The intent is written only if the resource is unchanged since this reconcile
              // read it, so a resource deleted, paused or edited during the look-ups above
              // gets no purchase from a plan made for its old version.
              const intent = { startedAt: this.now().toISOString(), ...(action.currency === undefined ? {} : { currency: action.currency }) };
              try {
                await this.writeStatus(context, { pendingPurchase: intent }, { ifUnchanged: true });
              } catch (error) {
                if (isResourceChanged(error)) {
                  return RESOURCE_CHANGED;
                }
                throw error;
              }
              pendingPurchase = intent;

              observed = await this.mutate(context, action, observed);
              pendingPurchase = undefined;
              return undefined;
            });
            if (held === OWNERSHIP_LOST) {
              log.info({ action: action.type }, 'not buying: another PhoneNumber of the same second started acting on the number first');
              return this.reportDuplicate(context, this.deps.store.list());
            }
            if (held === RESOURCE_CHANGED) {
              log.info({ action: action.type }, 'not buying: the resource changed while the reconcile read Vobiz; reconciling its new version');
              // The watch event of the change enqueues the resource at once. The backoff of an
              // error result covers a watch that lags, without a look-up at Vobiz every second.
              return { outcome: 'error' };
            }
            if (held !== undefined) {
              log.info({ action: action.type, reason: held.ready.reason }, held.ready.message);
              await this.deps.events.record(resource, 'Warning', held.ready.reason, held.ready.message);
              return this.finish(context, observed, held, { ...carried(), pendingPurchase: undefined });
            }
            continue;
          }

          observed = await this.mutate(context, action, observed);
          if (action.type === 'unassignSubAccount') {
            coolOffUntil = undefined;
            coolOffRetries = 0;
          }
        } catch (error) {
          failedAction = action;
          failure = error;
          break;
        }
      }

      if (failedAction === undefined) {
        break;
      }

      if (isNotLeader(failure)) {
        throw failure;
      }

      if (isVobizError(failure, 'VOBIZ_COOL_OFF')) {
        const coolOff = coolOffFromRefusal(failure, this.now(), coolOffRetries);
        coolOffUntil = coolOff.until;
        coolOffRetries = coolOff.retries;
        const detail = coolOff.estimated
          ? `Vobiz keeps ${spec.e164} on its sub-account and named no end time; the operator tries again after ${coolOffUntil.toISOString()}.`
          : `Vobiz keeps ${spec.e164} on its sub-account until ${coolOffUntil.toISOString()}.`;
        log.info({ coolOffUntil: coolOffUntil.toISOString(), estimated: coolOff.estimated }, 'Vobiz reported a sub-account cool-off; planning the rest around it');
        await this.deps.events.record(resource, 'Warning', 'CoolOffInEffect', detail);
      } else if (isVobizError(failure, 'VOBIZ_OUTCOME_UNKNOWN')) {
        // Keep pendingPurchase: the next attempt looks the number up before buying.
        return this.fail(context, observed, failedAction, failure, carried());
      } else if (replans < MAX_REPLANS - 1 && this.isStaleSnapshotError(failedAction, failure)) {
        // Vobiz disagrees with the snapshot because someone changed the number meanwhile, so
        // read it again and plan from what Vobiz reports now.
        log.info({ action: failedAction.type, code: (failure as { code?: string }).code }, 'Vobiz disagreed with the snapshot; reading the number again');
        const fresh = await this.lookUp(spec.e164);
        if (failedAction.type === 'purchase' && fresh === undefined) {
          return this.fail(context, observed, failedAction, failure, { ...carried(), pendingPurchase: undefined });
        }
        observed = fresh;
        pendingPurchase = undefined;
      } else {
        // After a purchase failed in a way that may hide a success (5xx, timeout, reset, or not
        // a Vobiz error at all), keep the intent so the next attempt looks the number up first.
        const outcomeUncertain = !isVobizError(failure) || failure.retryable;
        const keepIntent = failedAction.type === 'purchase' && outcomeUncertain ? pendingPurchase : undefined;
        return this.fail(context, observed, failedAction, failure, { ...carried(), pendingPurchase: keepIntent });
      }

      if (replans >= MAX_REPLANS - 1) {
        return this.fail(context, observed, failedAction, failure, carried());
      }
      plan = this.plan(context, observed, coolOffUntil);
    }

    return this.finishPlan(context, observed, plan, coolOffUntil, coolOffRetries);
  }

  /**
   * Returns the Failure that holds back a plan that would spend money on a number it then
   * cannot place, because Vobiz lists no such trunk group or sub-account, or cannot list them
   * now. Records the Event and the log line of that Failure. Returns undefined otherwise.
   */
  private async checkReferences(context: Context, plan: Plan): Promise<Failure | undefined> {
    let failure: Failure | undefined;
    try {
      failure = await checkReferences(this.deps.references, plan);
    } catch (error) {
      failure = classifyReadFailure(error);
      const level = isUnauthorized(error) ? 'debug' : 'warn';
      context.log[level]({ err: error, reason: failure.ready.reason }, 'reconcile failed: listing the trunk groups or sub-accounts before spending failed');
      await this.deps.events.record(context.resource, 'Warning', failure.ready.reason, `Failed to check the trunk group and sub-account at Vobiz: ${failure.ready.message}`);
      return failure;
    }

    if (failure !== undefined) {
      context.log.info({ reason: failure.ready.reason }, failure.ready.message);
      await this.deps.events.record(context.resource, 'Warning', failure.ready.reason, failure.ready.message);
    }
    return failure;
  }

  /** Returns the Failure of a spend guardrail that holds the purchase back, or undefined. */
  private async checkBudget(action: Extract<Action, { type: 'purchase' }>): Promise<Failure | undefined> {
    return checkPurchaseBudget({
      budget: this.deps.budget,
      vobiz: this.deps.vobiz,
      monthlyFees: this.deps.monthlyFees(),
      recordedPurchaseTimes: purchaseTimesFromStatus(this.deps.store.list()),
      action,
      nowMs: this.now().getTime(),
      ...(this.deps.metrics === undefined ? {} : { metrics: this.deps.metrics }),
    });
  }

  private plan(context: Context, observed: OwnedNumber | undefined, coolOffUntil: Date | undefined): Plan {
    return planNumber({
      spec: context.resource.spec,
      observed,
      mainAccountId: this.deps.vobiz.authId,
      now: this.now(),
      ...(coolOffUntil === undefined ? {} : { coolOffUntil, coolOffJitterMs: coolOffJitterMs(context.resource.metadata.uid) }),
    });
  }

  /** True when the failure means the number at Vobiz differs from the snapshot. */
  private isStaleSnapshotError(action: Action, error: unknown): boolean {
    if (isVobizError(error, 'VOBIZ_ALREADY_ASSIGNED')) {
      return true;
    }
    if (isVobizError(error, 'VOBIZ_NOT_FOUND')) {
      // For assigns, 404 can also mean an unknown trunk group or sub-account. After the fresh
      // read the same action fails again, and the last attempt reports the unknown id.
      return true;
    }
    return action.type === 'cancelRelease' && isVobizError(error, 'VOBIZ_BAD_REQUEST');
  }

  private async finishPlan(context: Context, observed: OwnedNumber | undefined, plan: Plan, coolOffUntil: Date | undefined, coolOffRetries: number): Promise<HandlerResult> {
    const wait = plan.wait;
    if (wait === undefined) {
      this.deps.states.set(context.key, 'ready');
      await this.writeStatus(context, { observed, ready: READY_CONVERGED, synced: SYNCED_OK, coolOffUntil: undefined, coolOffRetries: undefined, pendingPurchase: undefined });
      return { outcome: 'success' };
    }

    const coolingOff = wait.reason === 'CoolOffInEffect';
    let message = wait.message;
    if (coolingOff && coolOffRetries > 0 && wait.retryAt !== undefined) {
      message =
        `Vobiz rejected moving ${context.resource.spec.e164} off its sub-account because of its cool-off, and named no end time, ${coolOffRetries} time(s) in a row. ` +
        `The operator tries again at ${wait.retryAt.toISOString()}, doubling the wait each time up to ${COOL_OFF_BACKOFF_MAX_MS / 3_600_000} hours.`;
    }
    const ready: ConditionOutcome = { status: 'False', reason: wait.reason, message };
    this.deps.states.set(context.key, coolingOff ? 'cool_off' : 'drifted');
    await this.writeStatus(context, {
      observed,
      ready,
      synced: SYNCED_OK,
      coolOffUntil: coolingOff ? coolOffUntil : undefined,
      coolOffRetries: coolingOff ? coolOffRetries : undefined,
      pendingPurchase: undefined,
    });

    if (wait.reason === 'PurchasePending') {
      return { outcome: 'requeue', afterMs: PURCHASE_PENDING_RETRY_MS };
    }
    if (wait.retryAt !== undefined) {
      // A sweep also enqueues the resource once the retry time has passed by the operator's
      // clock, in case this timer, which runs on real time, has not fired by then.
      const delayMs = Math.max(0, wait.retryAt.getTime() - this.now().getTime());
      context.log.info({ reason: wait.reason, retryAt: wait.retryAt.toISOString() }, 'waiting; no Vobiz call before the retry time');
      return { outcome: 'requeue', afterMs: delayMs };
    }
    return { outcome: 'success' };
  }

  private async finish(context: Context, observed: OwnedNumber | undefined, held: Failure, extra: CarriedStatus): Promise<HandlerResult> {
    this.deps.states.set(context.key, held.state);
    await this.writeStatus(context, { observed, ready: held.ready, synced: held.synced, ...extra });
    return held.result;
  }

  private async fail(
    context: Context,
    observed: OwnedNumber | undefined,
    action: Action,
    error: unknown,
    extra: CarriedStatus,
  ): Promise<HandlerResult> {
    const failure = classifyFailure(action, error);
    // The credential alarm reports a 401 once per window.
    const level = isUnauthorized(error) ? 'debug' : 'warn';
    context.log[level]({ err: error, action: action.type, reason: failure.ready.reason }, `reconcile failed: ${describeAction(action)}`);
    await this.deps.events.record(context.resource, 'Warning', failure.ready.reason, `Failed to ${describeAction(action)}: ${failure.ready.message}`);
    return this.finish(context, observed, failure, extra);
  }

  /** Runs one action, counts and logs its outcome, and updates the snapshot from Vobiz's response. */
  private async mutate(context: Context, action: Action, observed: OwnedNumber | undefined): Promise<OwnedNumber> {
    const { vobiz, snapshot, metrics } = this.deps;
    const description = describeAction(action);

    this.gate.assertOpen(description);

    let confirmed: OwnedNumber;
    try {
      confirmed = await executeAction(vobiz, action, observed);
    } catch (error) {
      if (action.type === 'purchase') {
        metrics?.purchases.inc({ result: 'error' });
      }
      const code = isVobizError(error) ? error.code : 'ERROR';
      context.log.info({ action: action.type, outcome: 'error', code }, `${description}: failed`);
      throw error;
    }

    snapshot.confirm(action.e164, confirmed, Date.now());
    if (action.type === 'purchase') {
      metrics?.purchases.inc({ result: 'success' });
      context.log.info(
        { action: action.type, outcome: 'success', setupFee: confirmed.setupFee, monthlyFee: confirmed.monthlyFee, currency: confirmed.currency },
        `${description}: done`,
      );
    } else {
      context.log.info({ action: action.type, outcome: 'success' }, `${description}: done`);
    }
    await this.deps.events.record(context.resource, 'Normal', eventReasonOf(action), `Vobiz confirmed: ${description}.`);
    return confirmed;
  }

  private async observeOnly(context: Context, observed: OwnedNumber | undefined, coolOffUntil: Date | undefined): Promise<HandlerResult> {
    const plan = this.plan(context, observed, coolOffUntil);
    const converged = plan.actions.length === 0 && plan.wait === undefined;
    const ready: ConditionOutcome = converged
      ? READY_CONVERGED
      : {
          status: 'False',
          reason: 'Drifted',
          message: `managementPolicy is Observe, so the operator changes nothing. Drifted: ${plan.drift.join(', ') || plan.wait?.reason}. It would: ${plan.actions.map(describeAction).join('; ') || plan.wait?.message}`,
        };
    this.deps.states.set(context.key, converged ? 'ready' : 'drifted');
    await this.writeStatus(context, {
      observed,
      ready,
      synced: { status: 'True', reason: 'Observed', message: 'managementPolicy is Observe: the operator reads Vobiz and changes nothing.' },
    });
    return { outcome: 'success' };
  }

  private async lookUp(e164: string): Promise<OwnedNumber | undefined> {
    const number = await this.deps.vobiz.findOwnedNumber(e164);
    this.deps.snapshot.confirm(e164, number, Date.now());
    return number;
  }

  /**
   * Writes the status built from `input` when it differs from the stored one. `observed`, when
   * given, replaces the observed fields (undefined: the account does not own the number).
   */
  private async writeStatus(context: Context, input: StatusUpdate, options: StatusWriteOptions = {}): Promise<void> {
    const { observed, ...rest } = input;
    const statusInput: StatusInput = { ...rest, mainAccountId: this.deps.vobiz.authId };
    if ('observed' in input) {
      statusInput.observation = { number: observed };
    }

    const { status, changed } = buildStatus(context.resource, statusInput, this.now());
    if (!changed) {
      return;
    }

    this.gate.assertOpen(`write the status of ${context.key}`);
    context.resource = await this.deps.writer.writeStatus(context.resource, status, options);
    this.deps.metrics?.statusWrites.inc();
    this.deps.store.remember(context.resource);
    context.log.debug('status written');
  }
}
