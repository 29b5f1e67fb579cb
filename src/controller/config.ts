/**
 * Configuration of `vobiz-operator run`: command-line flags, each with an environment fallback,
 * validated with zod at start. A bad value stops the process with a message that names the flag,
 * the value and the accepted form.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { z } from 'zod';

import { formatDurationMs, parseDurationMs } from './duration.ts';

export interface LeaderElectionConfig {
  enabled: boolean;
  namespace: string | undefined;
  id: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export interface OperatorConfig {
  vobiz: {
    baseUrl: string;
    authId: string;
    authToken: string;
    rateLimit: { requestsPerSecond: number; burst: number };
  };
  /** Path of a kubeconfig; undefined means in-cluster, then the default kubeconfig. */
  kubeconfig: string | undefined;
  /** Namespaces to watch; empty watches all. */
  namespaces: string[];
  /** Port of the metrics and health server; 0 picks a free port. */
  httpPort: number;
  /** Address the metrics and health server listens on. */
  httpHost: string;
  sweepIntervalMs: number;
  maxConcurrency: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  leaderElection: LeaderElectionConfig;
  budget: { maxPurchasesPerHour: number; maxMonthlyFee: Map<string, number> };
}

/** The Vobiz API origin used when neither --vobiz-url nor VOBIZ_BASE_URL is set. */
export const DEFAULT_VOBIZ_URL = 'https://api.vobiz.ai';

/**
 * Maximum wait for reconciles in flight when stopping. A request to an API server that stopped
 * responding can hang, and a replica that lost leadership must still exit so that it restarts
 * and campaigns again. Leaving a reconcile unfinished is as safe as a crash.
 */
export const STOP_TIMEOUT_MS = 20_000;

/** Exit codes of `vobiz-operator run`. */
export const RUN_EXIT = {
  /** Stopped by SIGTERM or SIGINT, or `--help`. */
  ok: 0,
  /** Failed to start, stopped working (such as after losing leadership), or timed out stopping. */
  failure: 1,
  /** Invalid flags, environment or credentials. */
  usage: 2,
} as const;

/** Thrown for invalid configuration; `problems` has one line per bad flag. */
export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

interface FlagSpec {
  type: 'string' | 'boolean';
  /** One-letter alias, such as `h` for `-h`. */
  short?: string;
  multiple?: boolean;
  /** Environment variable read when the flag is absent. */
  env?: string;
  default?: string;
  help: string;
}

/** Every flag of `run`. Unnamed environment fallbacks get the prefix VOBIZ_OPERATOR_ so they cannot collide with service links that Kubernetes injects (such as HTTP_PORT). */
export const FLAGS = {
  'vobiz-url': { type: 'string', env: 'VOBIZ_BASE_URL', default: DEFAULT_VOBIZ_URL, help: 'Vobiz API origin, without /api/v1.' },
  'vobiz-credentials-dir': {
    type: 'string',
    env: 'VOBIZ_CREDENTIALS_DIR',
    help: 'Folder with the files auth-id and auth-token (a mounted Secret). Used when VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN are not set.',
  },
  kubeconfig: { type: 'string', env: 'KUBECONFIG', help: 'Path of a kubeconfig. Default: in-cluster config, then ~/.kube/config.' },
  namespaces: { type: 'string', env: 'WATCH_NAMESPACES', default: '', help: 'Comma-separated namespaces to watch. Empty watches all namespaces.' },
  'http-port': { type: 'string', env: 'VOBIZ_OPERATOR_HTTP_PORT', default: '8080', help: 'Port of the /metrics, /healthz and /readyz server.' },
  'http-host': { type: 'string', env: 'VOBIZ_OPERATOR_HTTP_HOST', default: '0.0.0.0', help: 'Address the HTTP server listens on.' },
  'sweep-interval': { type: 'string', env: 'VOBIZ_OPERATOR_SWEEP_INTERVAL', default: '60s', help: 'Time between sweeps of the Vobiz account (duration: 30s, 2m, 1h).' },
  'max-concurrency': { type: 'string', env: 'VOBIZ_OPERATOR_MAX_CONCURRENCY', default: '4', help: 'PhoneNumbers reconciled at once, and Vobiz requests in flight at most.' },
  'vobiz-rate-limit': { type: 'string', env: 'VOBIZ_OPERATOR_VOBIZ_RATE_LIMIT', default: '10', help: 'Vobiz requests per second, averaged.' },
  'vobiz-burst': { type: 'string', env: 'VOBIZ_OPERATOR_VOBIZ_BURST', default: '20', help: 'Vobiz requests allowed in a burst above the rate limit.' },
  'log-level': { type: 'string', env: 'VOBIZ_OPERATOR_LOG_LEVEL', default: 'info', help: 'One of fatal, error, warn, info, debug, trace, silent.' },
  'leader-elect': { type: 'boolean', env: 'VOBIZ_OPERATOR_LEADER_ELECT', help: 'Elect a leader on a coordination.k8s.io Lease; only the leader sweeps and changes Vobiz. Default false.' },
  'leader-election-namespace': { type: 'string', env: 'VOBIZ_OPERATOR_LEADER_ELECTION_NAMESPACE', help: 'Namespace of the Lease. Default: the POD_NAMESPACE environment variable.' },
  'leader-election-id': { type: 'string', env: 'VOBIZ_OPERATOR_LEADER_ELECTION_ID', default: 'vobiz-operator', help: 'Name of the Lease.' },
  'lease-duration': { type: 'string', env: 'VOBIZ_OPERATOR_LEASE_DURATION', default: '15s', help: 'How long a Lease is valid without renewal (duration).' },
  'renew-deadline': {
    type: 'string',
    env: 'VOBIZ_OPERATOR_RENEW_DEADLINE',
    default: '10s',
    help: 'How long after its last renewal the leader stops changing Vobiz and steps down (duration). Keep it below --lease-duration by more than a Vobiz request takes.',
  },
  'retry-period': { type: 'string', env: 'VOBIZ_OPERATOR_RETRY_PERIOD', default: '2s', help: 'Time between attempts to acquire or renew the Lease (duration).' },
  'max-purchases-per-hour': {
    type: 'string',
    env: 'VOBIZ_OPERATOR_MAX_PURCHASES_PER_HOUR',
    default: '20',
    help: 'Number purchases allowed in any rolling hour, counted from PhoneNumber statuses and this process\'s own purchases.',
  },
  'max-monthly-fee': {
    type: 'string',
    multiple: true,
    env: 'VOBIZ_OPERATOR_MAX_MONTHLY_FEE',
    help:
      'Budget CUR=AMOUNT for the monthly fees of managed numbers whose fee Vobiz lists in currency CUR, for example USD=500. ' +
      'spec.currency does not change the currency a fee counts in. Repeatable; the environment variable takes a comma list. Default: no budget.',
  },
  help: { type: 'boolean', short: 'h', help: 'Print this help and exit.' },
} as const satisfies Record<string, FlagSpec>;

type FlagName = keyof typeof FLAGS;

/** Returns the help text of `vobiz-operator run`. */
export function usage(): string {
  const lines = Object.entries(FLAGS).map(([name, spec]: [string, FlagSpec]) => {
    const names = spec.short === undefined ? `--${name}` : `-${spec.short}, --${name}`;
    let value = ' VALUE';
    if (spec.type === 'boolean') {
      value = '';
    } else if (spec.multiple === true) {
      value = ' CUR=AMOUNT';
    }
    const details = [spec.default === undefined || spec.default === '' ? undefined : `default ${spec.default}`, spec.env === undefined ? undefined : `env ${spec.env}`]
      .filter((part) => part !== undefined)
      .join('; ');
    return `  ${names}${value}\n      ${spec.help}${details === '' ? '' : ` (${details})`}`;
  });
  return [
    'Usage: vobiz-operator run [flags]',
    '',
    'Runs the PhoneNumber controller. Vobiz credentials come from the environment variables',
    'VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN, or from the files in --vobiz-credentials-dir.',
    '',
    'Flags:',
    ...lines,
    '',
    'Exit codes:',
    `  ${RUN_EXIT.ok}  stopped by SIGTERM or SIGINT after the reconciles in flight finished, or --help`,
    `  ${RUN_EXIT.failure}  failed to start (kubeconfig, HTTP port), stopped working (lost leadership), or reconciles`,
    `     in flight did not finish within ${formatDurationMs(STOP_TIMEOUT_MS)} of the stop signal`,
    `  ${RUN_EXIT.usage}  usage error: a bad flag or value, or missing or invalid Vobiz credentials`,
  ].join('\n');
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const NAMESPACE_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function duration(flag: string) {
  return z.string().transform((text, context) => {
    const ms = parseDurationMs(text);
    if (ms === undefined || ms <= 0) {
      context.addIssue({ code: 'custom', message: `--${flag}: invalid duration ${JSON.stringify(text)}; expected a positive Go-style duration such as 30s, 2m or 1h30m` });
      return z.NEVER;
    }
    return ms;
  });
}

function integer(flag: string, min: number, max: number) {
  return z.string().transform((text, context) => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
      context.addIssue({ code: 'custom', message: `--${flag}: invalid value ${JSON.stringify(text)}; expected an integer from ${min} to ${max}` });
      return z.NEVER;
    }
    return value;
  });
}

function positiveNumber(flag: string) {
  return z.string().transform((text, context) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
      context.addIssue({ code: 'custom', message: `--${flag}: invalid value ${JSON.stringify(text)}; expected a number above 0` });
      return z.NEVER;
    }
    return value;
  });
}

const monthlyFeeSchema = z.array(z.string()).transform((entries, context) => {
  const budgets = new Map<string, number>();
  for (const entry of entries) {
    const match = /^([A-Z]{3})=(\d+(?:\.\d+)?)$/.exec(entry.trim());
    if (match === null) {
      context.addIssue({ code: 'custom', message: `--max-monthly-fee: invalid value ${JSON.stringify(entry)}; expected CUR=AMOUNT with an ISO 4217 code, such as USD=500` });
      continue;
    }
    budgets.set(match[1] as string, Number(match[2]));
  }
  return budgets;
});

/**
 * Parses the Vobiz API origin and returns it without trailing slashes. A path prefix is kept
 * for a proxy in front of Vobiz, but `/api/v1` is rejected: the client adds it to every path.
 * `source` names the flag or environment variable in the error. Throws `ConfigError`.
 */
export function parseVobizBaseUrl(text: string, source = '--vobiz-url'): string {
  const expected = `expected http:// or https:// and an origin such as ${DEFAULT_VOBIZ_URL}`;
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ConfigError([`${source}: invalid URL ${JSON.stringify(text)}; ${expected}`]);
  }

  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError([`${source}: invalid URL ${JSON.stringify(text)}; ${expected}`]);
  }
  if (url.username !== '' || url.password !== '') {
    // The value is not echoed because its user info may hold a password.
    throw new ConfigError([`${source}: invalid URL for ${url.origin}: it contains a user name or password; the credentials go in VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN instead`]);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new ConfigError([`${source}: invalid URL ${JSON.stringify(text)}; remove the query and fragment, which the client would ignore`]);
  }

  const apiPath = /\/api\/v1(\/.*)?$/i.exec(url.pathname);
  if (apiPath !== null) {
    const fixed = url.origin + url.pathname.slice(0, apiPath.index);
    throw new ConfigError([`${source}: invalid URL ${JSON.stringify(text)}; drop /api/v1 and what follows it, because the client adds /api/v1 to every path: use ${fixed}`]);
  }

  return url.origin + url.pathname.replace(/\/+$/, '');
}

/** Returns the Vobiz API origin from --vobiz-url, else VOBIZ_BASE_URL, else the default. Throws `ConfigError`. */
export function resolveVobizBaseUrl(flagValue: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flagValue !== undefined) {
    return parseVobizBaseUrl(flagValue, '--vobiz-url');
  }
  if (env.VOBIZ_BASE_URL !== undefined && env.VOBIZ_BASE_URL !== '') {
    return parseVobizBaseUrl(env.VOBIZ_BASE_URL, 'VOBIZ_BASE_URL');
  }
  return DEFAULT_VOBIZ_URL;
}

const rawSchema = z.object({
  namespaces: z.string().transform((text, context) => {
    const namespaces = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
    for (const namespace of namespaces) {
      if (!NAMESPACE_PATTERN.test(namespace) || namespace.length > 63) {
        context.addIssue({ code: 'custom', message: `--namespaces: invalid namespace ${JSON.stringify(namespace)}; expected a comma list of DNS labels such as team-a,team-b` });
      }
    }
    return [...new Set(namespaces)];
  }),
  'http-port': integer('http-port', 0, 65_535),
  'http-host': z.string().min(1),
  'sweep-interval': duration('sweep-interval'),
  'max-concurrency': integer('max-concurrency', 1, 256),
  'vobiz-rate-limit': positiveNumber('vobiz-rate-limit'),
  'vobiz-burst': integer('vobiz-burst', 1, 10_000),
  'log-level': z.string().transform((text, context) => {
    if (!(LOG_LEVELS as readonly string[]).includes(text)) {
      context.addIssue({ code: 'custom', message: `--log-level: invalid value ${JSON.stringify(text)}; expected one of ${LOG_LEVELS.join(', ')}` });
      return z.NEVER;
    }
    return text as OperatorConfig['logLevel'];
  }),
  'leader-election-id': z.string().transform((text, context) => {
    if (!/^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(text) || text.length > 253) {
      context.addIssue({ code: 'custom', message: `--leader-election-id: invalid Lease name ${JSON.stringify(text)}; expected a lower-case DNS name such as vobiz-operator` });
      return z.NEVER;
    }
    return text;
  }),
  'lease-duration': duration('lease-duration'),
  'renew-deadline': duration('renew-deadline'),
  'retry-period': duration('retry-period'),
  'max-purchases-per-hour': integer('max-purchases-per-hour', 0, 100_000),
  'max-monthly-fee': monthlyFeeSchema,
});

function readCredentialFile(directory: string, file: string): string {
  const filePath = path.join(directory, file);
  try {
    return readFileSync(filePath, 'utf8').trim();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError([`--vobiz-credentials-dir: cannot read ${filePath} (${reason}); the folder must contain the files auth-id and auth-token`]);
  }
}

function parseBoolean(name: string, text: string): boolean {
  if (/^(true|1|yes)$/i.test(text)) return true;
  if (/^(false|0|no|)$/i.test(text)) return false;
  throw new ConfigError([`${name}: invalid boolean ${JSON.stringify(text)}; expected true or false`]);
}

export type ParsedCommand = { help: true } | { help: false; config: OperatorConfig };

/** Parses flags and environment into a validated configuration; throws `ConfigError`. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedCommand {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    const options = Object.fromEntries(
      Object.entries(FLAGS).map(([name, spec]: [string, FlagSpec]) => [
        name,
        { type: spec.type, ...(spec.multiple === true ? { multiple: true } : {}), ...(spec.short === undefined ? {} : { short: spec.short }) },
      ]),
    );
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new ConfigError([`${(error as Error).message}. Run 'vobiz-operator run --help' for the flags.`]);
  }
  if (values.help === true) {
    return { help: true };
  }

  const raw: Record<string, string | string[]> = {};
  for (const [name, spec] of Object.entries(FLAGS) as [FlagName, FlagSpec][]) {
    if (spec.type === 'boolean' || name === 'vobiz-url') continue;
    const fromFlag = values[name];
    const fromEnv = spec.env === undefined ? undefined : env[spec.env];
    if (spec.multiple === true) {
      raw[name] = (fromFlag as string[] | undefined) ?? (fromEnv === undefined || fromEnv === '' ? [] : fromEnv.split(','));
    } else {
      const value = (fromFlag as string | undefined) ?? fromEnv ?? spec.default;
      if (value !== undefined) raw[name] = value;
    }
  }
  if (raw['leader-election-id'] === undefined) raw['leader-election-id'] = 'vobiz-operator';

  const parsed = rawSchema.safeParse(raw);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);

  let baseUrl: string | undefined;
  try {
    baseUrl = resolveVobizBaseUrl(values['vobiz-url'] as string | undefined, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }

  let credentials: VobizCredentials | undefined;
  try {
    credentials = readVobizCredentials(env, (values['vobiz-credentials-dir'] as string | undefined) ?? env.VOBIZ_CREDENTIALS_DIR);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }

  const leaderElect = values['leader-elect'] === true || parseBoolean('VOBIZ_OPERATOR_LEADER_ELECT', env.VOBIZ_OPERATOR_LEADER_ELECT ?? '');
  const leaderNamespace = (values['leader-election-namespace'] as string | undefined) ?? env.VOBIZ_OPERATOR_LEADER_ELECTION_NAMESPACE ?? env.POD_NAMESPACE;
  if (leaderElect && (leaderNamespace === undefined || leaderNamespace === '')) {
    problems.push('--leader-election-namespace: missing; set it or the POD_NAMESPACE environment variable when --leader-elect is on');
  }

  if (!parsed.success || problems.length > 0 || credentials === undefined || baseUrl === undefined) {
    throw new ConfigError(problems);
  }

  const data = parsed.data;
  if (leaderElect && !(data['lease-duration'] > data['renew-deadline'] && data['renew-deadline'] > data['retry-period'])) {
    throw new ConfigError([
      `--lease-duration (${formatDurationMs(data['lease-duration'])}) must exceed --renew-deadline (${formatDurationMs(data['renew-deadline'])}), which must exceed --retry-period (${formatDurationMs(data['retry-period'])})`,
    ]);
  }

  const kubeconfig = (values.kubeconfig as string | undefined) ?? env.KUBECONFIG;
  return {
    help: false,
    config: {
      vobiz: {
        baseUrl,
        authId: credentials.authId,
        authToken: credentials.authToken,
        rateLimit: { requestsPerSecond: data['vobiz-rate-limit'], burst: data['vobiz-burst'] },
      },
      kubeconfig: kubeconfig === undefined || kubeconfig === '' ? undefined : kubeconfig,
      namespaces: data.namespaces,
      httpPort: data['http-port'],
      httpHost: data['http-host'],
      sweepIntervalMs: data['sweep-interval'],
      maxConcurrency: data['max-concurrency'],
      logLevel: data['log-level'],
      leaderElection: {
        enabled: leaderElect,
        namespace: leaderNamespace === '' ? undefined : leaderNamespace,
        id: data['leader-election-id'],
        leaseDurationMs: data['lease-duration'],
        renewDeadlineMs: data['renew-deadline'],
        retryPeriodMs: data['retry-period'],
      },
      budget: { maxPurchasesPerHour: data['max-purchases-per-hour'], maxMonthlyFee: data['max-monthly-fee'] },
    },
  };
}

export interface VobizCredentials {
  authId: string;
  /** Never printed or logged. */
  authToken: string;
}

/**
 * Reads the Vobiz credentials from VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN, and any of the two that
 * is unset from the file auth-id or auth-token in `credentialsDir`. Throws `ConfigError`.
 */
export function readVobizCredentials(env: NodeJS.ProcessEnv, credentialsDir: string | undefined): VobizCredentials {
  // Values pasted into a Secret or an env file often end with a newline, which is never part of the credential.
  let authId = env.VOBIZ_AUTH_ID?.trim() || undefined;
  let authToken = env.VOBIZ_AUTH_TOKEN?.trim() || undefined;

  if ((authId === undefined || authToken === undefined) && credentialsDir !== undefined && credentialsDir !== '') {
    authId ??= readCredentialFile(credentialsDir, 'auth-id');
    authToken ??= readCredentialFile(credentialsDir, 'auth-token');
  }

  if (authId === undefined || authId === '' || authToken === undefined || authToken === '') {
    throw new ConfigError(['Vobiz credentials: missing; set VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN, or --vobiz-credentials-dir to a folder with the files auth-id and auth-token']);
  }
  if (!/^(MA|SA)_\S+$/.test(authId)) {
    // The value is not echoed: a token pasted into the auth id by mistake would end up in the logs.
    throw new ConfigError([`VOBIZ_AUTH_ID: invalid auth id (a value of ${authId.length} characters); expected a main account id MA_... or a sub-account id SA_...`]);
  }
  // The token travels in an HTTP header, where whitespace inside it or a non-ASCII character is invalid.
  if (!/^[\x21-\x7e]+$/.test(authToken)) {
    throw new ConfigError(['VOBIZ_AUTH_TOKEN: invalid auth token (not shown): it contains whitespace, a control character or a non-ASCII character; copy the token again from the Vobiz console']);
  }
  return { authId, authToken };
}
