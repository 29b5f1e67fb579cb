/**
 * The "what to do next" text the sandbox prints once it runs. It shows how to reach each part,
 * the `plan` command line for the simulator and the ids a PhoneNumber of your own needs. Its
 * copy-paste commands show drift repair, the sub-account cool-off, the simulator's clock and an
 * injected fault.
 */

/** An example resource and the trunk group or sub-account a demo moves it to. */
export interface DemoTarget {
  name: string;
  e164: string;
  toId: string;
  toName?: string;
}

/** A trunk group or sub-account: the id a PhoneNumber's spec takes, and its name. */
export interface NamedId {
  id: string;
  name: string;
}

export interface NextStepsInput {
  /** Kubeconfig of the embedded control plane; undefined with --use-existing-cluster. */
  kubeconfigPath: string | undefined;
  /** Folder to add to PATH for kubectl when it is not on PATH already. */
  kubectlDir: string | undefined;
  kubectlOnPath: boolean;
  namespace: string;
  simulatorUrl: string;
  metricsUrl: string;
  logFile: string;
  sandboxDir: string;
  /** True with --keep-dir: the folder stays after the sandbox stops. */
  keepDir: boolean;
  sweepInterval: string;
  /** The simulator's main account: an id and token that open only the local simulator. */
  authId: string;
  authToken: string;
  trunkGroups: readonly NamedId[];
  subAccounts: readonly NamedId[];
  /** (a) and (d): move this number to another trunk group by hand. */
  drift?: DemoTarget;
  /** (b): call this number, then change its sub-account. */
  coolOff?: DemoTarget;
  /** (c): call this number, advance the clock 15 days, then change its sub-account. */
  clock?: DemoTarget;
}

const JSON_HEADER = "-H 'content-type: application/json'";
/** Past the 15-day cool-off, so a call recorded just before the clock moves is out of it. */
const CLOCK_ADVANCE_SECONDS = 16 * 24 * 60 * 60;

function pathOf(e164: string): string {
  return encodeURIComponent(e164);
}

function patchSubAccount(target: DemoTarget, namespace: string): string {
  return `kubectl patch pn ${target.name} -n ${namespace} --type merge -p '{"spec":{"subAccountId":"${target.toId}"}}'`;
}

function recordCall(target: DemoTarget): string {
  return `curl -sS -X POST "$SIM/__sim/calls" ${JSON_HEADER} -d '{"e164":"${target.e164}"}'`;
}

function setTrunk(target: DemoTarget): string {
  return `curl -sS -X PUT "$SIM/__sim/numbers/${pathOf(target.e164)}/trunk" ${JSON_HEADER} -d '{"trunkGroupId":"${target.toId}"}'`;
}

function tryIt(input: NextStepsInput): string[] {
  const lines: string[] = [`Things to try (the operator sweeps the Vobiz account every ${input.sweepInterval}):`];
  const { drift, coolOff, clock, namespace } = input;

  if (drift !== undefined) {
    lines.push(
      `  a) Drift: route ${drift.name}'s number to ${drift.toName ?? drift.toId} behind the operator's back; the next sweep puts it back.`,
      `     ${setTrunk(drift)}`,
    );
  }
  if (coolOff !== undefined) {
    lines.push(
      `  b) Cool-off: record a call on ${coolOff.name}'s number, then ask for another sub-account. Vobiz refuses the move`,
      `     for 15 days after a call: Ready turns False with reason CoolOffInEffect, and the operator waits until the time`,
      `     Vobiz named (status.coolOffUntil). Setting spec.forceSubAccountMove to true moves it anyway.`,
      `     ${recordCall(coolOff)}`,
      `     ${patchSubAccount(coolOff, namespace)}`,
    );
  }
  if (clock !== undefined) {
    lines.push(
      `  c) Clock: record a call on ${clock.name}'s number, move the simulator's clock 16 days on, then change the`,
      `     sub-account: the 15-day cool-off is over, so the number moves at once.`,
      `     ${recordCall(clock)}`,
      `     curl -sS -X POST "$SIM/__sim/clock/advance" ${JSON_HEADER} -d '{"seconds":${CLOCK_ADVANCE_SECONDS}}'`,
      `     ${patchSubAccount(clock, namespace)}`,
    );
  }
  if (drift !== undefined) {
    lines.push(
      `  d) Fault: make every trunk assignment fail with HTTP 503, then repeat a): Ready turns False with reason`,
      `     VobizError and the operator retries with backoff until you clear the fault.`,
      `     curl -sS -X PUT "$SIM/__sim/faults" ${JSON_HEADER} -d '{"rules":[{"operation":"assignTrunk","action":{"type":"error","status":503}}]}'`,
      `     curl -sS -X DELETE "$SIM/__sim/faults"`,
    );
  }
  return lines;
}

/** Lists the ids for `spec.trunkGroupId` and `spec.subAccountId`, since the table shows names too. */
function idsForSpecs(input: NextStepsInput): string[] {
  const lines: string[] = ['Ids for PhoneNumbers of your own (the simulator\'s seed):'];
  const nameWidth = Math.max(0, ...input.trunkGroups.map((trunk) => trunk.name.length));

  if (input.trunkGroups.length > 0) {
    lines.push('  spec.trunkGroupId takes the trunk group\'s UUID, not its name:');
    lines.push(...input.trunkGroups.map((trunk) => `    ${trunk.name.padEnd(nameWidth)}   ${trunk.id}`));
  }
  if (input.subAccounts.length > 0) {
    lines.push('  spec.subAccountId takes the sub-account\'s auth id (SA_...):');
    lines.push(...input.subAccounts.map((subAccount) => `    ${subAccount.id}   ${subAccount.name}`));
  }
  return lines;
}

/** Renders the text, one string with a trailing newline. */
export function renderNextSteps(input: NextStepsInput): string {
  const setup: string[] = [];
  if (input.kubeconfigPath !== undefined) setup.push(`  export KUBECONFIG=${input.kubeconfigPath}`);
  if (!input.kubectlOnPath && input.kubectlDir !== undefined) setup.push(`  export PATH=${input.kubectlDir}:$PATH`);
  setup.push(`  export SIM=${input.simulatorUrl}`);

  const lines = [
    'The sandbox is running. In another terminal:',
    '',
    ...setup,
    `  kubectl get pn -n ${input.namespace}`,
    `  curl -s ${input.metricsUrl} | grep '^vobiz_operator_'`,
    ...(input.kubectlOnPath || input.kubectlDir !== undefined ? [] : ['  (kubectl is not on PATH: install kubectl to run the kubectl commands)']),
    '',
    `  Operator metrics: ${input.metricsUrl}`,
    `  Vobiz simulator:  ${input.simulatorUrl}   (test controls under /__sim/, described in docs/simulator.md)`,
    `  Operator log:     ${input.logFile}`,
    '',
    'Review what a change of manifests would buy (reads only, changes nothing):',
    `  VOBIZ_AUTH_ID=${input.authId} VOBIZ_AUTH_TOKEN=${input.authToken} npm run --silent operator -- plan --from-cluster --vobiz-url "$SIM"`,
    '',
    ...idsForSpecs(input),
    '',
    ...tryIt(input),
    '',
    `Ctrl-C stops ${input.kubeconfigPath === undefined ? 'the operator and the simulator' : 'the operator, the simulator and the control plane'}, and ${input.keepDir ? 'keeps' : 'removes'} ${input.sandboxDir}.`,
  ];
  return `${lines.join('\n')}\n`;
}
