export { VobizClient, createVobizClient, type VobizClientOptions } from './client.ts';
export { VobizError, isRetryable, isVobizError, type VobizErrorCode, type VobizErrorOptions } from './errors.ts';
export { assertE164, isE164 } from './e164.ts';
export type { RetryOptions } from './retry-policy.ts';
export type { VobizClientHooks, VobizOperation } from './transport.ts';
export type * from './types.ts';
