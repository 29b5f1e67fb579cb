import { describe, expect, it } from 'vitest';

import { IMPORT_COMMAND, parseImportOptions } from '../../../src/import/options.ts';
import { formatHelp } from '../../../src/plan/cli-flags.ts';
import { PLAN_COMMAND, parsePlanOptions } from '../../../src/plan/options.ts';
import { SANDBOX_COMMAND } from '../../../src/sandbox/options.ts';

const CREDENTIALS = { VOBIZ_AUTH_ID: 'MA_OPTIONS1', VOBIZ_AUTH_TOKEN: 'token-for-options-test' };

describe('parsePlanOptions', () => {
  it('reads files, output and credentials', () => {
    const options = parsePlanOptions(['-f', 'a.yaml', '-f', 'dir', '-o', 'json', '--vobiz-url', 'http://127.0.0.1:8790/'], CREDENTIALS);

    expect(options).toMatchObject({ files: ['a.yaml', 'dir'], fromCluster: false, output: 'json' });
    expect(options.vobiz).toEqual({ baseUrl: 'http://127.0.0.1:8790', authId: 'MA_OPTIONS1', authToken: 'token-for-options-test' });
  });

  it.each([
    [[], CREDENTIALS, /^no manifests to plan: pass -f FILE\|DIR \(repeatable\) or --from-cluster$/],
    [['-f', 'a.yaml', '--from-cluster'], CREDENTIALS, /-f and --from-cluster exclude each other/],
    [['-f', 'a.yaml', '-o', 'yaml'], CREDENTIALS, /^--output: invalid value "yaml"; expected text or json$/],
    [['-f', 'a.yaml', '--kubeconfig', 'k'], CREDENTIALS, /^--kubeconfig applies only with --from-cluster$/],
    [['--from-cluster', '-n', 'Team_A'], CREDENTIALS, /^--namespace: invalid namespace "Team_A"/],
    [['-f', 'a.yaml', '--vobiz-url', 'ftp://x'], CREDENTIALS, /^--vobiz-url: invalid URL "ftp:\/\/x"; expected http:\/\/ or https:\/\//],
    [['-f', 'a.yaml'], {}, /^Vobiz credentials: missing; set VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN/],
    [['-f', 'a.yaml'], { VOBIZ_AUTH_ID: 'ACME', VOBIZ_AUTH_TOKEN: 't' }, /^VOBIZ_AUTH_ID: invalid auth id \(a value of 4 characters\); expected a main account id MA_/],
    [['-f', 'a.yaml', '--vobiz-url', 'https://api.vobiz.ai/api/v1'], CREDENTIALS, /^--vobiz-url: invalid URL "https:\/\/api\.vobiz\.ai\/api\/v1"; drop \/api\/v1/],
    [['-f', 'a.yaml', '--bogus'], CREDENTIALS, /Unknown option '--bogus'.*Run 'vobiz-operator plan --help' for the flags\.$/],
  ])('rejects %j', (argv, env, message) => {
    expect(() => parsePlanOptions(argv, env)).toThrow(message);
  });

  it('needs no credentials for --help', () => {
    expect(parsePlanOptions(['--help'], {})).toMatchObject({ help: true, vobiz: undefined });
  });

  it('never puts the token in an error', () => {
    expect(() => parsePlanOptions(['-f', 'a.yaml'], { VOBIZ_AUTH_ID: 'bad', VOBIZ_AUTH_TOKEN: 'secret-token-value' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret-token-value') }),
    );
  });
});

describe('parseImportOptions', () => {
  it('reads the cluster by default when a kubeconfig is available', () => {
    const options = parseImportOptions(['--namespace', 'telephony'], { ...CREDENTIALS, KUBECONFIG: '/tmp/kubeconfig' });

    expect(options).toMatchObject({ fromCluster: true, namespace: 'telephony', outputFile: undefined });
  });

  it('does not read the cluster when only files are given', () => {
    expect(parseImportOptions(['-f', 'claims/'], { ...CREDENTIALS, KUBECONFIG: '/tmp/kubeconfig' }).fromCluster).toBe(false);
  });

  it('imports everything with --no-from-cluster', () => {
    expect(parseImportOptions(['--no-from-cluster'], { ...CREDENTIALS, HOME: '/nonexistent' }).fromCluster).toBe(false);
  });

  it('accepts --no- only for a negatable flag', () => {
    expect(() => parseImportOptions(['--no-help'], CREDENTIALS)).toThrow(/^Unknown option '--no-help'\. Run 'vobiz-operator import --help' for the flags\.$/);
  });

  it('rejects a run that cannot tell which numbers are claimed', () => {
    expect(() => parseImportOptions([], { ...CREDENTIALS, HOME: '/nonexistent' })).toThrow(/^cannot tell which numbers are already claimed: no kubeconfig found/);
  });
});
describe('formatHelp', () => {
  it.each([PLAN_COMMAND, IMPORT_COMMAND, SANDBOX_COMMAND])('documents every flag and the exit codes of $name', (spec) => {
    const help = formatHelp(spec);

    for (const name of Object.keys(spec.flags)) {
      expect(help).toContain(`--${name}`);
    }
    expect(help).toContain('Exit codes:\n  0  ');
    expect(help).toContain('\n  2  usage error');
  });
});
