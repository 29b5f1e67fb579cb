import { describe, expect, it } from 'vitest';

import { ExistingCrdError, describeInterruptedCleanup, describeLeftovers, sandboxNamespaceName } from '../../../src/sandbox/existing-cluster.ts';

describe('ExistingCrdError', () => {
  it('names the risk and the flag', () => {
    const error = new ExistingCrdError('https://10.0.0.1:6443 (context prod)', ['team-a/line-1', 'team-b/line-2']);

    expect(error.code).toBe('SANDBOX_EXISTING_CRD');
    expect(error.message).toContain(
      'the cluster at https://10.0.0.1:6443 (context prod) already has the CRD phonenumbers.telephony.vobiz-operator.dev and 2 PhoneNumbers (team-a/line-1, team-b/line-2)',
    );
    expect(error.message).toContain('with real Vobiz credentials would act on the sandbox\'s examples too');
    expect(error.message).toContain('add --allow-existing-crd.');
  });

  it('lists at most five PhoneNumbers', () => {
    const names = Array.from({ length: 8 }, (_unused, index) => `team/line-${index}`);
    const error = new ExistingCrdError('https://10.0.0.1:6443 (context prod)', names);

    expect(error.message).toContain('8 PhoneNumbers (team/line-0, team/line-1, team/line-2, team/line-3, team/line-4 and 3 more)');
  });

  it('says when no PhoneNumber exists', () => {
    expect(new ExistingCrdError('https://10.0.0.1:6443 (context kind)', []).message).toContain('and no PhoneNumbers, so vobiz-operator may be installed there');
  });
});

describe('describeLeftovers', () => {
  it('removes finalizers, namespace and CRD', () => {
    const text = describeLeftovers({ namespace: 'vobiz-sandbox-3fa9c1', phoneNumbers: ['london-office', 'sales-line'], namespaceCreated: true, crdInstalled: true });

    expect(text.split('\n')).toEqual([
      "The PhoneNumbers london-office, sales-line are still in namespace vobiz-sandbox-3fa9c1, with the operator's finalizer telephony.vobiz-operator.dev/release. Remove them with:",
      `  kubectl -n vobiz-sandbox-3fa9c1 patch pn london-office --type merge -p '{"metadata":{"finalizers":null}}'`,
      `  kubectl -n vobiz-sandbox-3fa9c1 patch pn sales-line --type merge -p '{"metadata":{"finalizers":null}}'`,
      '  kubectl delete namespace vobiz-sandbox-3fa9c1',
      '  kubectl delete crd phonenumbers.telephony.vobiz-operator.dev',
    ]);
  });

  it('keeps a namespace the user named', () => {
    const text = describeLeftovers({ namespace: 'team-a', phoneNumbers: ['sales-line'], namespaceCreated: false, crdInstalled: false });

    expect(text).toContain('  kubectl -n team-a delete pn sales-line');
    expect(text).not.toContain('delete namespace');
    expect(text).not.toContain('delete crd');
  });
});

describe('describeInterruptedCleanup', () => {
  it('says the parts may be gone', () => {
    const text = describeInterruptedCleanup({ namespace: 'vobiz-sandbox-3fa9c1', phoneNumbers: ['sales-line'], namespaceCreated: true, crdInstalled: false });

    expect(text.split('\n')).toEqual([
      'The sandbox exited before its cleanup of namespace vobiz-sandbox-3fa9c1 finished. Remove what is left (a NotFound error means that part is gone already) with:',
      `  kubectl -n vobiz-sandbox-3fa9c1 patch pn sales-line --type merge -p '{"metadata":{"finalizers":null}}'`,
      '  kubectl delete namespace vobiz-sandbox-3fa9c1',
    ]);
  });
});

describe('sandboxNamespaceName', () => {
  it('returns a new DNS label each time', () => {
    const first = sandboxNamespaceName();

    expect(first).toMatch(/^vobiz-sandbox-[0-9a-f]{6}$/);
    expect(sandboxNamespaceName()).not.toBe(first);
  });
});
