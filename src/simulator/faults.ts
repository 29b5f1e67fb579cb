/**
 * Fault injection for the simulator's Vobiz endpoints: errors, dropped connections and
 * latency, chosen by operation, number and page, before or after the operation changes
 * state, plus a request rate above which every request gets 429 with `Retry-After`.
 * Probabilities draw from a seeded generator, so a test run repeats exactly.
 */

/** Format of a `Retry-After` header, which HTTP allows as delay seconds (`120`) or as an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`). */
export type RetryAfterFormat = 'seconds' | 'http-date';

export type FaultAction =
  /** Respond with this error status; `retryAfterSeconds` adds a `Retry-After` header in `retryAfterFormat` (default seconds). */
  | { type: 'error'; status: number; body?: Record<string, unknown>; retryAfterSeconds?: number; retryAfterFormat?: RetryAfterFormat }
  /** Answer with any status and body, for example a 200 whose body breaks the schema; a string body is sent as it is. */
  | { type: 'respond'; status: number; body?: unknown }
  /** Close the connection without a response. */
  | { type: 'drop' }
  /** Wait this long, then go on. */
  | { type: 'delay'; ms: number };

export interface FaultRule {
  /** Operation name such as `purchase` or `listNumbers`; every operation when omitted. */
  operation?: string;
  /** Only requests about this E.164 number (from the path or the body). */
  e164?: string;
  /** Only this `page` query parameter, for list operations. */
  page?: number;
  /**
   * `before` (the default) acts before the operation runs, so nothing changes. `after` acts
   * once the operation has changed state, so the caller loses a response that succeeded.
   */
  phase?: 'before' | 'after';
  action: FaultAction;
  /** Fire on the next N matching requests only. Unlimited when omitted. */
  times?: number;
  /** Chance in [0, 1] of firing on a matching request. Default 1. */
  probability?: number;
}

export interface FaultConfig {
  rules?: FaultRule[];
  /** Rate above which every request gets 429 with `Retry-After`. */
  rateLimit?: { requestsPerSecond: number; retryAfterSeconds?: number; retryAfterFormat?: RetryAfterFormat };
  /** Seed of the generator behind `probability`. Default 1. */
  randomSeed?: number;
}

export interface FaultContext {
  operation: string;
  e164?: string;
  page?: number;
}

/** Effect of one phase's faults on a request: a delay, then at most one response or drop. */
export interface FaultDecision {
  delayMs: number;
  outcome?: { type: 'respond'; status: number; body?: unknown; retryAfterSeconds?: number; retryAfterFormat?: RetryAfterFormat } | { type: 'drop' };
  /** Descriptions of the rules that fired, for the request log. */
  fired: string[];
}

const defaultErrorBodies: Record<number, Record<string, unknown>> = {
  429: { error: 'too_many_requests', message: 'rate limit exceeded' },
  500: { error: 'internal_server_error', message: 'internal server error' },
  502: { error: 'bad_gateway', message: 'bad gateway' },
  503: { error: 'service_unavailable', message: 'service unavailable' },
  504: { error: 'gateway_timeout', message: 'gateway timeout' },
};

/**
 * Returns the `Retry-After` header value for a wait of `seconds` from `nowMs` (wall-clock
 * milliseconds). An HTTP date has whole seconds, so it is rounded up: the wait is never shorter.
 */
export function retryAfterHeader(seconds: number, format: RetryAfterFormat | undefined, nowMs: number): string {
  if (format !== 'http-date') return String(seconds);
  return new Date(Math.ceil((nowMs + seconds * 1000) / 1000) * 1000).toUTCString();
}

/** mulberry32: a small, well-known 32-bit generator; enough for repeatable test faults. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function describe(rule: FaultRule): string {
  const action = rule.action;
  let text: string;
  if (action.type === 'error' || action.type === 'respond') {
    text = `${action.type} ${action.status}`;
  } else if (action.type === 'delay') {
    text = `delay ${action.ms}ms`;
  } else {
    text = 'drop';
  }
  return `${rule.phase ?? 'before'}:${text}`;
}

function isRetryAfterFormat(value: unknown): value is RetryAfterFormat {
  return value === 'seconds' || value === 'http-date';
}

export function validateFaultConfig(config: FaultConfig): string | undefined {
  for (const [index, rule] of (config.rules ?? []).entries()) {
    const action = rule.action as FaultAction | undefined;
    if (action === undefined || !['error', 'respond', 'drop', 'delay'].includes(action.type)) {
      return `rules[${index}].action.type must be "error", "respond", "drop" or "delay"`;
    }
    if (action.type === 'error' && !(Number.isInteger(action.status) && action.status >= 400 && action.status <= 599)) {
      return `rules[${index}].action.status must be an HTTP error status from 400 to 599`;
    }
    if (action.type === 'respond' && !(Number.isInteger(action.status) && action.status >= 200 && action.status <= 599)) {
      return `rules[${index}].action.status must be an HTTP status from 200 to 599`;
    }
    if (action.type === 'delay' && !(Number.isFinite(action.ms) && action.ms >= 0)) {
      return `rules[${index}].action.ms must be a number of milliseconds, 0 or more`;
    }
    if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 1)) {
      return `rules[${index}].times must be an integer from 1`;
    }
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
      return `rules[${index}].probability must be between 0 and 1`;
    }
    if (action.type === 'error' && action.retryAfterFormat !== undefined && !isRetryAfterFormat(action.retryAfterFormat)) {
      return `rules[${index}].action.retryAfterFormat must be "seconds" or "http-date"`;
    }
    if (rule.phase !== undefined && rule.phase !== 'before' && rule.phase !== 'after') {
      return `rules[${index}].phase must be "before" or "after"`;
    }
  }

  const rateLimit = config.rateLimit;
  if (rateLimit !== undefined && !(rateLimit.requestsPerSecond > 0)) {
    return 'rateLimit.requestsPerSecond must be a positive number';
  }
  if (rateLimit?.retryAfterFormat !== undefined && !isRetryAfterFormat(rateLimit.retryAfterFormat)) {
    return 'rateLimit.retryAfterFormat must be "seconds" or "http-date"';
  }
  return undefined;
}

export class FaultInjector {
  #rules: Array<FaultRule & { remaining?: number }> = [];
  #rateLimit: FaultConfig['rateLimit'];
  #random: () => number = seededRandom(1);
  /** Start times (monotonic ms) of requests admitted in the last second. */
  #recent: number[] = [];

  /** Replaces every fault with `config`; throws a `TypeError` naming the invalid field. */
  configure(config: FaultConfig): void {
    const problem = validateFaultConfig(config);
    if (problem !== undefined) throw new TypeError(problem);

    this.#rules = (config.rules ?? []).map((rule) => (rule.times === undefined ? { ...rule } : { ...rule, remaining: rule.times }));
    this.#rateLimit = config.rateLimit;
    this.#random = seededRandom(config.randomSeed ?? 1);
    this.#recent = [];
  }

  clear(): void {
    this.configure({});
  }

  /** Returns the configuration in force, with `times` showing how many firings each rule has left. */
  current(): FaultConfig {
    const rules = this.#rules.map(({ remaining, ...rule }) => (remaining === undefined ? rule : { ...rule, times: remaining }));
    return this.#rateLimit === undefined ? { rules } : { rules, rateLimit: this.#rateLimit };
  }

  /** Format of the `Retry-After` header of the rate limit's 429s. */
  get rateLimitRetryAfterFormat(): RetryAfterFormat | undefined {
    return this.#rateLimit?.retryAfterFormat;
  }

  /**
   * Counts the request against the configured rate; returns the `Retry-After` seconds of a
   * 429 when it is over the rate. Rejected requests do not count.
   */
  checkRate(nowMs: number): number | undefined {
    const rateLimit = this.#rateLimit;
    if (rateLimit === undefined) return undefined;

    this.#recent = this.#recent.filter((startedAt) => nowMs - startedAt < 1000);
    if (this.#recent.length >= rateLimit.requestsPerSecond) {
      return rateLimit.retryAfterSeconds ?? 1;
    }
    this.#recent.push(nowMs);
    return undefined;
  }

  /** Applies the rules of `phase` that match the request; rules with `times` count down as they fire. */
  decide(phase: 'before' | 'after', context: FaultContext): FaultDecision {
    const decision: FaultDecision = { delayMs: 0, fired: [] };

    for (const rule of this.#rules) {
      if ((rule.phase ?? 'before') !== phase) continue;
      if (rule.remaining !== undefined && rule.remaining <= 0) continue;
      if (rule.operation !== undefined && rule.operation !== context.operation) continue;
      if (rule.e164 !== undefined && rule.e164 !== context.e164) continue;
      if (rule.page !== undefined && rule.page !== context.page) continue;
      if (decision.outcome !== undefined && rule.action.type !== 'delay') continue;
      if (rule.probability !== undefined && this.#random() >= rule.probability) continue;

      if (rule.remaining !== undefined) rule.remaining -= 1;
      decision.fired.push(describe(rule));

      const action = rule.action;
      if (action.type === 'delay') {
        decision.delayMs += action.ms;
      } else if (action.type === 'drop') {
        decision.outcome = { type: 'drop' };
      } else if (action.type === 'respond') {
        decision.outcome = { type: 'respond', status: action.status, ...(action.body === undefined ? {} : { body: action.body }) };
      } else {
        const body = action.body ?? defaultErrorBodies[action.status] ?? { error: 'injected_fault', message: `injected HTTP ${action.status}` };
        decision.outcome = {
          type: 'respond',
          status: action.status,
          body,
          ...(action.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: action.retryAfterSeconds }),
          ...(action.retryAfterFormat === undefined ? {} : { retryAfterFormat: action.retryAfterFormat }),
        };
      }
    }
    return decision;
  }
}
