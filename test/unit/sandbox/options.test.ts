import { describe, expect, it } from 'vitest';

import { formatHelp } from '../../../src/plan/cli-flags.ts';
import { SANDBOX_COMMAND, parseSandboxOptions } from '../../../src/sandbox/options.ts';

describe('parseSandboxOptions', () => {
  it('applies the defaults', () => {
    expect(parseSandboxOptions([])).toEqual({
      help: false,
      exitWhenReady: false,
      timeoutMs: 300_000,
      useExistingCluster: false,
      allowExistingCrd: false,
      kubeconfig: undefined,
      namespace: undefined,
      simulatorPort: 0,
      metricsPort: 0,
      sweepIntervalMs: 10_000,
      logLevel: 'info',
      keepDir: false,
    });
  });

  it('accepts --allow-existing-crd with an existing cluster', () => {
    const options = parseSandboxOptions(['--use-existing-cluster', '--allow-existing-crd', '-n', 'team-a']);

    expect(options).toMatchObject({ useExistingCluster: true, allowExistingCrd: true, namespace: 'team-a' });
  });

  it.each([
    [['--timeout', '1m'], /^--timeout applies only with --exit-when-ready$/],
    [['--exit-when-ready', '--timeout', 'soon'], /^--timeout: invalid duration "soon"; expected a positive duration such as 30s/],
    [['--simulator-port', '70000'], /^--simulator-port: invalid port "70000"; expected an integer from 0 to 65535/],
    [['--kubeconfig', 'k'], /^--kubeconfig applies only with --use-existing-cluster/],
    [['--allow-existing-crd'], /^--allow-existing-crd applies only with --use-existing-cluster; without it the sandbox starts its own control plane$/],
    [['--namespace', 'Team_A'], /^--namespace: invalid namespace "Team_A"; expected a DNS label/],
    [['--log-level', 'loud'], /^--log-level: invalid value "loud"; expected one of fatal, error/],
    [['--no-keep-dir'], /^Unknown option '--no-keep-dir'\. /],
  ])('rejects %j', (argv, message) => {
    expect(() => parseSandboxOptions(argv)).toThrow(message);
  });
});

describe('sandbox help', () => {
  it('explains the existing-cluster check', () => {
    const help = formatHelp(SANDBOX_COMMAND).replace(/\s+/g, ' ');

    expect(help).toContain('--allow-existing-crd');
    expect(help).toContain('rejects a cluster that already has the PhoneNumber CRD (exit code 2)');
    expect(help).toContain('vobiz-sandbox-<random>');
    expect(help).toContain('2 usage error: a bad flag or value, or --use-existing-cluster found the PhoneNumber CRD');
  });
});
