/**
 * The identity of one operator replica: the holder name it writes into the leader Lease, and
 * the comment of the `User-Agent` it sends to Vobiz, so that Vobiz's request logs show which
 * replica made each call.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { randomBytes } from 'node:crypto';

/**
 * Returns a new identity: the pod name (the POD_NAME environment variable, set through the
 * downward API) or else the host name, plus a random suffix, so a restarted container never
 * reuses the Lease of its previous run.
 */
export function newReplicaIdentity(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.POD_NAME !== undefined && env.POD_NAME !== '' ? env.POD_NAME : os.hostname();
  return `${base}_${randomBytes(4).toString('hex')}`;
}

/** The package.json of the operator: src/controller/ and dist/controller/ both sit two levels below the package root. */
const PACKAGE_JSON = new URL('../../package.json', import.meta.url);

/** Reads the operator's version from its package.json; throws when the file or its `version` field cannot be read. */
export function readOperatorVersion(): string {
  const text = readFileSync(PACKAGE_JSON, 'utf8');
  const version = (JSON.parse(text) as { version?: unknown }).version;
  if (typeof version !== 'string' || version === '') {
    throw new Error(`${PACKAGE_JSON.pathname} has no "version" string`);
  }
  return version;
}

/** Returns the operator's version from its package.json, or `unknown` when that cannot be read. */
function operatorVersion(): string {
  try {
    return readOperatorVersion();
  } catch {
    return 'unknown';
  }
}

/** Returns the `User-Agent` of a replica, for example `vobiz-operator/0.1.0 (pod-7f9c_1a2b3c4d)`. */
export function userAgentOf(identity: string): string {
  return `vobiz-operator/${operatorVersion()} (${identity})`;
}
