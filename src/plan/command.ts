/**
 * `vobiz-operator plan`: reads PhoneNumber manifests (files or the cluster) and the Vobiz
 * account, and prints what the controller would do, with prices. It makes no change anywhere.
 */
import { ClusterReadError, KubeconfigError, loadKubeConfig, readClusterPhoneNumbers } from '../manifests/cluster.ts';
import { ManifestPathError, readManifestFiles } from '../manifests/files.ts';
import { selectPhoneNumbers, type IgnoredDocument, type InvalidManifest, type SourcedPhoneNumber } from '../manifests/phone-numbers.ts';
import { createVobizClient } from '../vobiz/index.ts';
import { isVobizError } from '../vobiz/errors.ts';
import { addBalances, readAccount } from './account.ts';
import { buildPlan } from './build.ts';
import { UsageError, formatHelp, processIo, type CommandIo } from './cli-flags.ts';
import type { PlanReport } from './model.ts';
import { PLAN_COMMAND, PLAN_EXIT, parsePlanOptions, type PlanOptions } from './options.ts';
import { renderPlanJson } from './render-json.ts';
import { renderPlanText } from './render-text.ts';
import { purchaseTotals } from './totals.ts';
import type { VobizAccess } from './vobiz-access.ts';

interface Manifests {
  resources: SourcedPhoneNumber[];
  invalid: InvalidManifest[];
  ignored: IgnoredDocument[];
}

async function readManifests(options: PlanOptions, io: CommandIo): Promise<Manifests> {
  if (options.fromCluster) {
    const kubeConfig = loadKubeConfig(options.kubeconfig, io.env);
    return { ...(await readClusterPhoneNumbers(kubeConfig, options.namespace)), ignored: [] };
  }
  const documents = readManifestFiles(options.files, io.readStdin);
  return selectPhoneNumbers(documents, options.namespace ?? 'default');
}

function describeIgnored(ignored: readonly IgnoredDocument[]): string {
  const shown = ignored.slice(0, 5).map((document) => `${document.kind} at ${document.source}`);
  const more = ignored.length > shown.length ? `, and ${ignored.length - shown.length} more` : '';
  return `ignored ${ignored.length} document(s) that are not PhoneNumbers: ${shown.join(', ')}${more}`;
}

/** Runs `plan` with the given arguments and I/O; returns the exit code. */
export async function runPlan(argv: readonly string[], io: CommandIo): Promise<number> {
  const fail = (code: number, message: string): number => {
    io.stderr(`vobiz-operator plan: ${message}\n`);
    return code;
  };

  let options: PlanOptions;
  let access: VobizAccess;
  let manifests: Manifests;
  try {
    options = parsePlanOptions(argv, io.env);
    if (options.help || options.vobiz === undefined) {
      io.stdout(`${formatHelp(PLAN_COMMAND)}\n`);
      return PLAN_EXIT.ok;
    }
    access = options.vobiz;
    manifests = await readManifests(options, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ManifestPathError || error instanceof KubeconfigError) {
      return fail(PLAN_EXIT.usage, error.message);
    }
    if (error instanceof ClusterReadError) {
      return fail(PLAN_EXIT.failure, error.message);
    }
    throw error;
  }

  if (manifests.ignored.length > 0) {
    io.stderr(`vobiz-operator plan: ${describeIgnored(manifests.ignored)}\n`);
  }

  const vobiz = createVobizClient({ baseUrl: access.baseUrl, authId: access.authId, authToken: access.authToken });
  let report: PlanReport;
  try {
    const { view, warnings } = await readAccount(vobiz, manifests.resources);
    for (const warning of warnings) io.stderr(`vobiz-operator plan: warning: ${warning}\n`);

    const entries = buildPlan(manifests.resources, view, new Date());
    report = {
      account: { authId: access.authId, baseUrl: access.baseUrl, ownedNumbers: view.owned.size },
      entries,
      invalid: manifests.invalid,
      totals: await addBalances(vobiz, purchaseTotals(entries)),
    };
  } catch (error) {
    if (isVobizError(error)) {
      return fail(PLAN_EXIT.failure, `failed to read the Vobiz account ${access.authId} at ${access.baseUrl}: ${error.code}: ${error.message}`);
    }
    throw error;
  } finally {
    await vobiz.close();
  }

  io.stdout(options.output === 'json' ? renderPlanJson(report) : renderPlanText(report));

  const problems = report.invalid.length > 0 || report.entries.some((entry) => entry.outcome === 'problem');
  return problems ? PLAN_EXIT.problems : PLAN_EXIT.ok;
}

export async function main(argv: string[]): Promise<number> {
  return runPlan(argv, processIo());
}
