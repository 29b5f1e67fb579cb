/**
 * Reports Vobiz rejecting the operator's credentials. Every call fails with 401 then, and a
 * line per failed call would bury the cause. So the alarm logs one error line per window while
 * the 401s continue, with the number of 401s since the previous line. It logs one info line once
 * Vobiz accepts the credentials again. The sweeper and the reconciler log a 401 at debug level
 * only, because this alarm reports it.
 */
import type { Logger } from '../log.ts';
import { isVobizError } from '../vobiz/errors.ts';

/** Time between two error lines while Vobiz keeps rejecting the credentials. */
export const CREDENTIAL_ALARM_WINDOW_MS = 300_000;

/** True for a 401 from Vobiz, also when it is the cause of another error such as an incomplete sweep. */
export function isUnauthorized(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth += 1) {
    if (isVobizError(current, 'VOBIZ_UNAUTHORIZED')) {
      return true;
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}

export interface CredentialAlarmOptions {
  /** The auth id sent to Vobiz; it is not secret, unlike the token, which is never logged. */
  authId: string;
  logger: Logger;
  windowMs?: number;
  now?: () => number;
}

export class CredentialAlarm {
  private readonly options: CredentialAlarmOptions;
  private readonly now: () => number;
  private loggedAtMs: number | undefined;
  /** 401 responses since the last error line. */
  private unreported = 0;
  private rejecting = false;

  constructor(options: CredentialAlarmOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** True from a 401 until the next successful Vobiz response. */
  get rejected(): boolean {
    return this.rejecting;
  }

  /** Records the HTTP status of one Vobiz response; `'error'` when no response arrived. */
  observe(statusCode: number | 'error'): void {
    if (statusCode === 401) {
      this.recordRejection();
      return;
    }
    if (typeof statusCode === 'number' && statusCode >= 200 && statusCode < 300 && this.rejecting) {
      this.rejecting = false;
      this.loggedAtMs = undefined;
      this.unreported = 0;
      this.options.logger.info({ authId: this.options.authId }, `Vobiz accepted the credentials for auth id ${this.options.authId} again`);
    }
  }

  private recordRejection(): void {
    this.rejecting = true;
    this.unreported += 1;

    const nowMs = this.now();
    const windowMs = this.options.windowMs ?? CREDENTIAL_ALARM_WINDOW_MS;
    if (this.loggedAtMs !== undefined && nowMs - this.loggedAtMs < windowMs) {
      return;
    }

    const { authId, logger } = this.options;
    logger.error(
      { authId, status: 401, rejectionsSinceLastReport: this.unreported, nextReportInMs: windowMs },
      `Vobiz rejected the credentials (401 unauthorized) for auth id ${authId}: check VOBIZ_AUTH_ID/VOBIZ_AUTH_TOKEN or the credentials folder`,
    );
    this.loggedAtMs = nowMs;
    this.unreported = 0;
  }
}
