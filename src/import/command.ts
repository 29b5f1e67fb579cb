/**
 * `vobiz-operator import`: writes PhoneNumber manifests for the numbers the Vobiz account owns
 * that no PhoneNumber claims. It reads Vobiz and the cluster and changes neither.
 */
import { writeFileSync } from 'node:fs';

import { ClusterReadError, KubeconfigError, contextNamespace, loadKubeConfig, readClusterPhoneNumbers } from '../manifests/cluster.ts';
import { ManifestPathError, readManifestFiles } from '../manifests/files.ts';
import { selectPhoneNumbers, type InvalidManifest, type SourcedPhoneNumber } from '../manifests/phone-numbers.ts';
import { UsageError, formatHelp, processIo, type CommandIo } from '../plan/cli-flags.ts';
import { createVobizClient } from '../vobiz/index.ts';
import { isVobizError } from '../vobiz/errors.ts';
import type { OwnedNumber } from '../vobiz/types.ts';
import { generateImport, renderImportYaml } from './generate.ts';
import { IMPORT_COMMAND, IMPORT_EXIT, parseImportOptions, type ImportOptions } from './options.ts';

interface Claims {
  resources: SourcedPhoneNumber[];
  invalid: InvalidManifest[];
  /** Namespace the generated objects land in, to avoid names already used there. */
  targetNamespace: string;
}

async function readClaims(options: ImportOptions, io: CommandIo): Promise<Claims> {
  const claims: Claims = { resources: [], invalid: [], targetNamespace: options.namespace ?? 'default' };

  if (options.files.length > 0) {
    const selection = selectPhoneNumbers(readManifestFiles(options.files, io.readStdin), claims.targetNamespace);
    claims.resources.push(...selection.resources);
    claims.invalid.push(...selection.invalid);
  }

  if (options.fromCluster) {
    const kubeConfig = loadKubeConfig(options.kubeconfig, io.env);
    claims.targetNamespace = options.namespace ?? contextNamespace(kubeConfig);
    const cluster = await readClusterPhoneNumbers(kubeConfig, undefined);
    claims.resources.push(...cluster.resources);
    claims.invalid.push(...cluster.invalid);
  }
  return claims;
}

/** Runs `import` with the given arguments and I/O; returns the exit code. */
export async function runImport(argv: readonly string[], io: CommandIo): Promise<number> {
  const fail = (code: number, message: string): number => {
    io.stderr(`vobiz-operator import: ${message}\n`);
    return code;
  };
  const note = (message: string): void => io.stderr(`vobiz-operator import: ${message}\n`);

  let options: ImportOptions;
  let claims: Claims;
  try {
    options = parseImportOptions(argv, io.env);
    if (options.help || options.vobiz === undefined) {
      io.stdout(`${formatHelp(IMPORT_COMMAND)}\n`);
      return IMPORT_EXIT.ok;
    }
    claims = await readClaims(options, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ManifestPathError || error instanceof KubeconfigError) {
      return fail(IMPORT_EXIT.usage, error.message);
    }
    if (error instanceof ClusterReadError) {
      return fail(IMPORT_EXIT.failure, error.message);
    }
    throw error;
  }

  for (const invalid of claims.invalid) {
    note(`warning: ${invalid.source} is not a valid PhoneNumber, so its number does not count as claimed: ${invalid.issues.join('; ')}`);
  }

  const access = options.vobiz;
  const vobiz = createVobizClient({ baseUrl: access.baseUrl, authId: access.authId, authToken: access.authToken });
  let owned: OwnedNumber[];
  try {
    owned = await vobiz.listAllNumbers({ perPage: 100 });
  } catch (error) {
    if (isVobizError(error)) {
      return fail(IMPORT_EXIT.failure, `failed to list the numbers of Vobiz account ${access.authId} at ${access.baseUrl}: ${error.code}: ${error.message}`);
    }
    throw error;
  } finally {
    await vobiz.close();
  }

  const takenNames = new Set(
    claims.resources.filter(({ resource }) => resource.metadata.namespace === claims.targetNamespace).map(({ resource }) => resource.metadata.name),
  );
  const result = generateImport({
    owned,
    claimed: new Set(claims.resources.map(({ resource }) => resource.spec.e164)),
    authId: access.authId,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    takenNames,
  });
  const yaml = renderImportYaml(result, { authId: access.authId, baseUrl: access.baseUrl, generatedAt: new Date() });

  if (options.outputFile === undefined) {
    io.stdout(yaml);
  } else {
    try {
      writeFileSync(options.outputFile, yaml);
    } catch (error) {
      return fail(IMPORT_EXIT.failure, `--output ${options.outputFile}: cannot write the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }

  for (const skipped of result.skipped) {
    note(`skipped ${skipped.e164}: ${skipped.reason}`);
  }
  const destination = options.outputFile ?? 'standard output';
  note(
    `wrote ${result.manifests.length} PhoneNumber(s) to ${destination}; the account owns ${owned.length} number(s), ` +
      `${result.alreadyClaimed} already claimed, ${result.skipped.length} skipped.`,
  );
  return IMPORT_EXIT.ok;
}

export async function main(argv: string[]): Promise<number> {
  return runImport(argv, processIo());
}
