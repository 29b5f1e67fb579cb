/**
 * Vobiz credentials and URL for the commands that read the account (`plan`, `import`), from the
 * same flags and environment variables as `vobiz-operator run`, parsed by the same functions:
 * `VOBIZ_AUTH_ID` and `VOBIZ_AUTH_TOKEN`, else the files `auth-id` and `auth-token` in
 * `--vobiz-credentials-dir`.
 */
import { ConfigError, DEFAULT_VOBIZ_URL, readVobizCredentials, resolveVobizBaseUrl, type VobizCredentials } from '../controller/config.ts';
import { UsageError, stringFlag, type FlagSpec, type FlagValues } from './cli-flags.ts';

export interface VobizAccess extends VobizCredentials {
  baseUrl: string;
}

export const VOBIZ_FLAGS = {
  'vobiz-url': {
    type: 'string',
    value: 'URL',
    help: `Vobiz API origin without /api/v1; for the sandbox's simulator, the URL it prints. Default $VOBIZ_BASE_URL, else ${DEFAULT_VOBIZ_URL}.`,
  },
  'vobiz-credentials-dir': {
    type: 'string',
    value: 'DIR',
    help: 'Folder with the files auth-id and auth-token, read when VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN are not set. Default $VOBIZ_CREDENTIALS_DIR.',
  },
} as const satisfies Record<string, FlagSpec>;

/** Resolves the Vobiz URL and credentials; throws `UsageError` naming what is missing or invalid. */
export function resolveVobizAccess(values: FlagValues, env: NodeJS.ProcessEnv): VobizAccess {
  try {
    const baseUrl = resolveVobizBaseUrl(stringFlag(values, 'vobiz-url'), env);
    const credentials = readVobizCredentials(env, stringFlag(values, 'vobiz-credentials-dir') ?? env.VOBIZ_CREDENTIALS_DIR);
    return { baseUrl, ...credentials };
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new UsageError(error.problems.join('\n'));
    }
    throw error;
  }
}
