import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { ConfigError, RUN_EXIT, parseConfig, parseVobizBaseUrl, usage, type OperatorConfig } from '../../../src/controller/config.ts';
import { formatDurationMs, parseDurationMs } from '../../../src/controller/duration.ts';

const credentials = { VOBIZ_AUTH_ID: 'MA_TEST1', VOBIZ_AUTH_TOKEN: 'token-value' };

function config(argv: string[], env: NodeJS.ProcessEnv = credentials): OperatorConfig {
  const parsed = parseConfig(argv, env);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.config;
}

function problems(argv: string[], env: NodeJS.ProcessEnv = credentials): string[] {
  try {
    parseConfig(argv, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('applies the defaults', () => {
    const parsed = config([]);
    expect(parsed.vobiz).toEqual({ baseUrl: 'https://api.vobiz.ai', authId: 'MA_TEST1', authToken: 'token-value', rateLimit: { requestsPerSecond: 10, burst: 20 } });
    expect(parsed.namespaces).toEqual([]);
    expect(parsed.httpPort).toBe(8080);
    expect(parsed.sweepIntervalMs).toBe(60_000);
    expect(parsed.maxConcurrency).toBe(4);
    expect(parsed.logLevel).toBe('info');
    expect(parsed.leaderElection).toEqual({ enabled: false, namespace: undefined, id: 'vobiz-operator', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
    expect(parsed.budget.maxPurchasesPerHour).toBe(20);
    expect(parsed.budget.maxMonthlyFee.size).toBe(0);
  });

  it('reads flags over environment', () => {
    const parsed = config(['--sweep-interval', '2m', '--namespaces', 'team-a,team-b'], { ...credentials, VOBIZ_OPERATOR_SWEEP_INTERVAL: '30s', WATCH_NAMESPACES: 'other' });
    expect(parsed.sweepIntervalMs).toBe(120_000);
    expect(parsed.namespaces).toEqual(['team-a', 'team-b']);
  });

  it('falls back to environment', () => {
    const parsed = config([], { ...credentials, VOBIZ_BASE_URL: 'http://127.0.0.1:9000/', WATCH_NAMESPACES: 'a, b', VOBIZ_OPERATOR_MAX_MONTHLY_FEE: 'USD=500,EUR=20.5' });
    expect(parsed.vobiz.baseUrl).toBe('http://127.0.0.1:9000');
    expect(parsed.namespaces).toEqual(['a', 'b']);
    expect([...parsed.budget.maxMonthlyFee]).toEqual([['USD', 500], ['EUR', 20.5]]);
  });

  it('takes repeated --max-monthly-fee', () => {
    const parsed = config(['--max-monthly-fee', 'USD=5', '--max-monthly-fee', 'GBP=7']);
    expect([...parsed.budget.maxMonthlyFee]).toEqual([['USD', 5], ['GBP', 7]]);
  });

  it('reads credentials from a folder', () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'vobiz-credentials-'));
    writeFileSync(path.join(directory, 'auth-id'), 'MA_FROMFILE\n');
    writeFileSync(path.join(directory, 'auth-token'), 'file-token\n');

    const parsed = config(['--vobiz-credentials-dir', directory], {});

    expect(parsed.vobiz.authId).toBe('MA_FROMFILE');
    expect(parsed.vobiz.authToken).toBe('file-token');
  });

  it('names a missing credentials file', () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'vobiz-credentials-'));
    expect(problems(['--vobiz-credentials-dir', directory], {})[0]).toMatch(/auth-id \(ENOENT\)/);
  });

  it('rejects missing credentials', () => {
    expect(problems([], {})[0]).toMatch(/^Vobiz credentials: missing; set VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN/);
  });

  it('never echoes the token', () => {
    const listed = problems(['--sweep-interval', 'soon'], { VOBIZ_AUTH_ID: 'bad', VOBIZ_AUTH_TOKEN: 'secret-token-123' });
    expect(listed.join('\n')).not.toContain('secret-token-123');
  });

  it.each([
    [['--sweep-interval', '60'], /--sweep-interval: invalid duration "60"; expected a positive Go-style duration/],
    [['--http-port', '70000'], /--http-port: invalid value "70000"; expected an integer from 0 to 65535/],
    [['--max-concurrency', '0'], /--max-concurrency: invalid value "0"/],
    [['--vobiz-rate-limit', 'fast'], /--vobiz-rate-limit: invalid value "fast"; expected a number above 0/],
    [['--log-level', 'loud'], /--log-level: invalid value "loud"; expected one of fatal, error/],
    [['--namespaces', 'Team_A'], /--namespaces: invalid namespace "Team_A"/],
    [['--max-monthly-fee', 'usd:5'], /--max-monthly-fee: invalid value "usd:5"; expected CUR=AMOUNT/],
    [['--vobiz-url', 'ftp://x'], /--vobiz-url: invalid URL "ftp:\/\/x"/],
    [['--no-such-flag'], /Unknown option '--no-such-flag'/],
    [['--leader-election-id', 'Vobiz_Operator'], /--leader-election-id: invalid Lease name "Vobiz_Operator"/],
  ])('rejects %j', (argv, pattern) => {
    expect(problems(argv).join('\n')).toMatch(pattern);
  });

  it('requires a Lease namespace with --leader-elect', () => {
    expect(problems(['--leader-elect'])[0]).toMatch(/--leader-election-namespace: missing/);
    expect(config(['--leader-elect'], { ...credentials, POD_NAMESPACE: 'ops' }).leaderElection.namespace).toBe('ops');
  });

  it('checks lease timing order', () => {
    expect(problems(['--leader-elect', '--leader-election-namespace', 'ops', '--renew-deadline', '20s'])[0]).toMatch(/--lease-duration \(15s\) must exceed --renew-deadline \(20s\)/);
  });

  it('returns help', () => {
    expect(parseConfig(['--help'], {})).toEqual({ help: true });
    expect(usage()).toContain('--sweep-interval VALUE');
    expect(usage()).toContain('default 60s');
  });

  it('accepts -h', () => {
    expect(parseConfig(['-h'], {})).toEqual({ help: true });
    expect(usage()).toContain('  -h, --help\n');
  });

  it('documents the exit codes', () => {
    const help = usage();
    expect(help).toContain('\nExit codes:\n');
    expect(help).toContain(`  ${RUN_EXIT.ok}  stopped by SIGTERM or SIGINT`);
    expect(help).toContain(`  ${RUN_EXIT.failure}  failed to start`);
    expect(help).toContain('lost leadership');
    expect(help).toContain(`  ${RUN_EXIT.usage}  usage error`);
    expect(RUN_EXIT).toEqual({ ok: 0, failure: 1, usage: 2 });
  });

  it('names VOBIZ_BASE_URL when the URL came from it', () => {
    expect(problems([], { ...credentials, VOBIZ_BASE_URL: 'http://127.0.0.1:9000/api/v1' })[0]).toMatch(/^VOBIZ_BASE_URL: invalid URL "http:\/\/127\.0\.0\.1:9000\/api\/v1"; drop \/api\/v1/);
  });

  it('rejects a token that cannot go in a header', () => {
    const listed = problems([], { VOBIZ_AUTH_ID: 'MA_TEST1', VOBIZ_AUTH_TOKEN: 'two words' });
    expect(listed[0]).toMatch(/^VOBIZ_AUTH_TOKEN: invalid auth token \(not shown\)/);
    expect(listed.join('\n')).not.toContain('two words');
  });
});

function urlProblem(text: string): string | undefined {
  try {
    parseVobizBaseUrl(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  throw new Error(`expected ${text} to be rejected`);
}

describe('parseVobizBaseUrl', () => {
  it.each([
    ['https://api.vobiz.ai', 'https://api.vobiz.ai'],
    ['https://api.vobiz.ai/', 'https://api.vobiz.ai'],
    [' http://127.0.0.1:9000// ', 'http://127.0.0.1:9000'],
    ['https://proxy.example.com/vobiz/', 'https://proxy.example.com/vobiz'],
  ])('accepts %j', (text, expected) => {
    expect(parseVobizBaseUrl(text)).toBe(expected);
  });

  it.each([
    ['https://api.vobiz.ai/api/v1', /^--vobiz-url: invalid URL "https:\/\/api\.vobiz\.ai\/api\/v1"; drop \/api\/v1 and what follows it, because the client adds \/api\/v1 to every path: use https:\/\/api\.vobiz\.ai$/],
    ['https://api.vobiz.ai/api/v1/', /drop \/api\/v1.*: use https:\/\/api\.vobiz\.ai$/],
    ['https://proxy.example.com/vobiz/API/V1/Account/MA_X', /drop \/api\/v1.*: use https:\/\/proxy\.example\.com\/vobiz$/],
    ['ftp://api.vobiz.ai', /^--vobiz-url: invalid URL "ftp:\/\/api\.vobiz\.ai"; expected http:\/\/ or https:\/\//],
    ['api.vobiz.ai', /^--vobiz-url: invalid URL "api\.vobiz\.ai"; expected http:\/\/ or https:\/\//],
    ['https://api.vobiz.ai/?debug=1', /remove the query and fragment/],
  ])('rejects %j', (text, pattern) => {
    expect(urlProblem(text)).toMatch(pattern);
  });

  it('never echoes a password in the URL', () => {
    const problem = urlProblem('https://user:hunter2@api.vobiz.ai');
    expect(problem).toMatch(/^--vobiz-url: invalid URL for https:\/\/api\.vobiz\.ai: it contains a user name or password/);
    expect(problem).not.toContain('hunter2');
  });
});

describe('parseDurationMs', () => {
  it.each([
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1_500],
    ['250ms', 250],
  ])('parses %s', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', '60', 's', '1d', '1m 30s', '-1s'])('rejects %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });

  it('formats whole units', () => {
    expect([formatDurationMs(15_000), formatDurationMs(120_000), formatDurationMs(3_600_000), formatDurationMs(1_500)]).toEqual(['15s', '2m', '1h', '1500ms']);
  });
});
