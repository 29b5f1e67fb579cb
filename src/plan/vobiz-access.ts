/**
 * Vobiz credentials and URL for the commands that read the account (`plan`, `import`), from the
 * same flags and environment variables as `vobiz-operator run`: `VOBIZ_AUTH_ID` and
 * `VOBIZ_AUTH_TOKEN`, else the files `auth-id` and `auth-token` in `--vobiz-credentials-dir`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { UsageError, stringFlag, type FlagSpec, type FlagValues } from './cli-flags.ts';

export interface VobizAccess {
  baseUrl: string;
  authId: string;
  /** Never printed or logged. */
  authToken: string;
}

export const DEFAULT_VOBIZ_URL = 'https://api.vobiz.ai';

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

function readCredentialFile(directory: string, file: string): string {
  const filePath = path.join(directory, file);
  try {
    return readFileSync(filePath, 'utf8').trim();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`--vobiz-credentials-dir: cannot read ${filePath} (${reason}); the folder must contain the files auth-id and auth-token`);
  }
}

function parseBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--vobiz-url: invalid URL ${JSON.stringify(text)}; expected an http(s) origin such as ${DEFAULT_VOBIZ_URL}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`--vobiz-url: invalid URL ${JSON.stringify(text)}; expected http:// or https://`);
  }
  return text.replace(/\/+$/, '');
}

/** Resolves the Vobiz URL and credentials; throws `UsageError` naming what is missing. */
export function resolveVobizAccess(values: FlagValues, env: NodeJS.ProcessEnv): VobizAccess {
  const baseUrl = parseBaseUrl(stringFlag(values, 'vobiz-url') ?? (env.VOBIZ_BASE_URL || DEFAULT_VOBIZ_URL));

  let authId = env.VOBIZ_AUTH_ID || undefined;
  let authToken = env.VOBIZ_AUTH_TOKEN || undefined;
  const directory = stringFlag(values, 'vobiz-credentials-dir') ?? (env.VOBIZ_CREDENTIALS_DIR || undefined);
  if ((authId === undefined || authToken === undefined) && directory !== undefined) {
    authId ??= readCredentialFile(directory, 'auth-id');
    authToken ??= readCredentialFile(directory, 'auth-token');
  }

  if (authId === undefined || authId === '' || authToken === undefined || authToken === '') {
    throw new UsageError(
      'Vobiz credentials: missing; set VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN, or pass --vobiz-credentials-dir with a folder that has the files auth-id and auth-token',
    );
  }
  if (!/^(MA|SA)_\S+$/.test(authId)) {
    // The auth id is not secret; the token is never echoed.
    throw new UsageError(`VOBIZ_AUTH_ID: invalid auth id ${JSON.stringify(authId)}; expected a main account id MA_... or a sub-account id SA_...`);
  }
  return { baseUrl, authId, authToken };
}
