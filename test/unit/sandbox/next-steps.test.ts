import { describe, expect, it } from 'vitest';

import { renderNextSteps, type NextStepsInput } from '../../../src/sandbox/next-steps.ts';

const INPUT: NextStepsInput = {
  kubeconfigPath: '/tmp/sandbox/control-plane/kubeconfig',
  kubectlDir: undefined,
  kubectlOnPath: true,
  namespace: 'default',
  simulatorUrl: 'http://127.0.0.1:40001',
  metricsUrl: 'http://127.0.0.1:40002/metrics',
  logFile: '/tmp/sandbox/operator.log',
  sandboxDir: '/tmp/sandbox',
  keepDir: false,
  sweepInterval: '10s',
  authId: 'MA_SIMULATOR1',
  authToken: 'simulator-token-not-a-vobiz-secret',
  trunkGroups: [
    { id: '3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c01', name: 'primary-sip' },
    { id: '3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c02', name: 'failover-sip' },
  ],
  subAccounts: [
    { id: 'SA_SIMTEAM01', name: 'Support team' },
    { id: 'SA_SIMTEAM02', name: 'Sales team' },
  ],
  drift: { name: 'london-office', e164: '+442079460100', toId: '3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c02', toName: 'failover-sip' },
  coolOff: { name: 'sales-line', e164: '+12125550100', toId: 'SA_SIMTEAM01' },
  clock: { name: 'support-line', e164: '+14155550100', toId: 'SA_SIMTEAM02' },
};

describe('renderNextSteps', () => {
  it('prints the environment and the plan command', () => {
    const text = renderNextSteps(INPUT);

    expect(text).toContain('  export KUBECONFIG=/tmp/sandbox/control-plane/kubeconfig\n  export SIM=http://127.0.0.1:40001\n  kubectl get pn -n default\n');
    expect(text).toContain(
      '  VOBIZ_AUTH_ID=MA_SIMULATOR1 VOBIZ_AUTH_TOKEN=simulator-token-not-a-vobiz-secret npm run --silent operator -- plan --from-cluster --vobiz-url "$SIM"\n',
    );
    expect(text).toContain('removes /tmp/sandbox.');
  });

  it('lists trunk group UUIDs for spec.trunkGroupId', () => {
    const text = renderNextSteps(INPUT);

    expect(text).toContain(
      "  spec.trunkGroupId takes the trunk group's UUID, not its name:\n" +
        '    primary-sip    3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c01\n' +
        '    failover-sip   3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c02\n',
    );
    expect(text).toContain("  spec.subAccountId takes the sub-account's auth id (SA_...):\n    SA_SIMTEAM01   Support team\n    SA_SIMTEAM02   Sales team\n");
  });

  it('prints the four demos with exact commands', () => {
    const text = renderNextSteps(INPUT);

    expect(text).toContain(`curl -sS -X PUT "$SIM/__sim/numbers/%2B442079460100/trunk" -H 'content-type: application/json' -d '{"trunkGroupId":"3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c02"}'`);
    expect(text).toContain(`curl -sS -X POST "$SIM/__sim/calls" -H 'content-type: application/json' -d '{"e164":"+12125550100"}'`);
    expect(text).toContain(`kubectl patch pn sales-line -n default --type merge -p '{"spec":{"subAccountId":"SA_SIMTEAM01"}}'`);
    expect(text).toContain(`curl -sS -X POST "$SIM/__sim/clock/advance" -H 'content-type: application/json' -d '{"seconds":1382400}'`);
    expect(text).toContain(`curl -sS -X PUT "$SIM/__sim/faults" -H 'content-type: application/json' -d '{"rules":[{"operation":"assignTrunk","action":{"type":"error","status":503}}]}'`);
    expect(text).toContain('curl -sS -X DELETE "$SIM/__sim/faults"');
  });

  it('adds kubectl to PATH when it is only in the tool cache', () => {
    const text = renderNextSteps({ ...INPUT, kubectlOnPath: false, kubectlDir: '/repo/.cache/bin/kubectl-v1.36.3' });

    expect(text).toContain('  export PATH=/repo/.cache/bin/kubectl-v1.36.3:$PATH\n');
  });

  it('leaves KUBECONFIG alone for an existing cluster', () => {
    const text = renderNextSteps({ ...INPUT, kubeconfigPath: undefined });

    expect(text).not.toContain('export KUBECONFIG');
    expect(text).toContain('Ctrl-C stops the operator and the simulator, and removes /tmp/sandbox.');
  });
});
