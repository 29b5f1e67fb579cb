/**
 * The `PhoneNumber` custom resource (group `telephony.vobiz-operator.dev`, version `v1alpha1`):
 * TypeScript types and the zod schema that parses objects read from the API server.
 *
 * The CRD in `crds/` is the schema the API server enforces; a unit test compares it with the zod
 * schema below field by field, so a field added to one and not the other fails the build.
 */
import { z } from 'zod';

export const GROUP = 'telephony.vobiz-operator.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'PhoneNumber';
export const PLURAL = 'phonenumbers';

/** Finalizer that keeps a deleted resource until its number has been released or retained. */
export const FINALIZER = `${GROUP}/release`;

/** Annotation that, set to `"true"`, stops every action for one resource. */
export const PAUSED_ANNOTATION = `${GROUP}/paused`;

/** Strict E.164: a `+`, a non-zero digit, then 1 to 14 digits; no spaces, dashes or brackets. */
export const E164_PATTERN = '^\\+[1-9][0-9]{1,14}$';
export const TRUNK_GROUP_ID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const SUB_ACCOUNT_ID_PATTERN = '^SA_[A-Za-z0-9_-]+$';
export const CURRENCY_PATTERN = '^[A-Z]{3}$';

export const DELETION_POLICIES = ['Retain', 'Release'] as const;
export const ACQUISITION_POLICIES = ['PurchaseOrAdopt', 'AdoptOnly'] as const;
export const MANAGEMENT_POLICIES = ['Manage', 'Observe'] as const;
export const VOBIZ_STATUSES = ['active', 'pending_purchase', 'pending_release', 'released', 'blocked'] as const;
export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

export const phoneNumberSpecSchema = z.object({
  e164: z.string().regex(new RegExp(E164_PATTERN)),
  trunkGroupId: z.string().regex(new RegExp(TRUNK_GROUP_ID_PATTERN)).optional(),
  subAccountId: z.string().max(64).regex(new RegExp(SUB_ACCOUNT_ID_PATTERN)).optional(),
  currency: z.string().regex(new RegExp(CURRENCY_PATTERN)).optional(),
  deletionPolicy: z.enum(DELETION_POLICIES).default('Retain'),
  forceSubAccountMove: z.boolean().default(false),
  acquisition: z.enum(ACQUISITION_POLICIES).default('PurchaseOrAdopt'),
  managementPolicy: z.enum(MANAGEMENT_POLICIES).default('Manage'),
});

/** A condition in the standard Kubernetes form (`metav1.Condition`). */
export const conditionSchema = z.object({
  type: z.string().max(316),
  status: z.enum(CONDITION_STATUSES),
  reason: z.string().max(1024),
  message: z.string().max(32768),
  lastTransitionTime: z.string(),
  observedGeneration: z.number().int().optional(),
});

export const pendingPurchaseSchema = z.object({
  startedAt: z.string(),
  currency: z.string().optional(),
});

export const phoneNumberStatusSchema = z.object({
  observedGeneration: z.number().int().optional(),
  conditions: z.array(conditionSchema).optional(),
  accountId: z.string().optional(),
  trunkGroupId: z.string().optional(),
  subAccountId: z.string().optional(),
  vobizStatus: z.enum(VOBIZ_STATUSES).optional(),
  setupFee: z.number().optional(),
  monthlyFee: z.number().optional(),
  currency: z.string().optional(),
  purchasedAt: z.string().optional(),
  lastSyncTime: z.string().optional(),
  coolOffUntil: z.string().optional(),
  coolOffRetries: z.number().int().min(0).optional(),
  pendingPurchase: pendingPurchaseSchema.optional(),
});

const metadataSchema = z.looseObject({
  name: z.string(),
  namespace: z.string(),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
  resourceVersion: z.string().optional(),
  creationTimestamp: z.union([z.string(), z.date()]).optional(),
  deletionTimestamp: z.union([z.string(), z.date()]).optional(),
  finalizers: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

export const phoneNumberSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(KIND),
  metadata: metadataSchema,
  spec: phoneNumberSpecSchema,
  status: phoneNumberStatusSchema.optional(),
});

export type PhoneNumberSpec = z.output<typeof phoneNumberSpecSchema>;
export type PhoneNumberStatus = z.output<typeof phoneNumberStatusSchema>;
export type Condition = z.output<typeof conditionSchema>;
export type PendingPurchase = z.output<typeof pendingPurchaseSchema>;
export type PhoneNumber = z.output<typeof phoneNumberSchema>;
export type DeletionPolicy = (typeof DELETION_POLICIES)[number];
export type AcquisitionPolicy = (typeof ACQUISITION_POLICIES)[number];
export type ManagementPolicy = (typeof MANAGEMENT_POLICIES)[number];

/** Thrown when an object read from the API server does not match the `PhoneNumber` schema. */
export class InvalidPhoneNumberError extends Error {
  readonly code = 'INVALID_PHONE_NUMBER';
  readonly issues: string[];

  constructor(reference: string, issues: string[]) {
    super(`PhoneNumber ${reference} is invalid: ${issues.join('; ')}`);
    this.name = 'InvalidPhoneNumberError';
    this.issues = issues;
  }
}

/** Parses an object from the API server into a `PhoneNumber`, applying the spec defaults. */
export function parsePhoneNumber(object: unknown): PhoneNumber {
  const result = phoneNumberSchema.safeParse(object);
  if (result.success) {
    return result.data;
  }

  const metadata = (object as { metadata?: { namespace?: string; name?: string } } | undefined)?.metadata;
  const reference = `${metadata?.namespace ?? '?'}/${metadata?.name ?? '?'}`;
  const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new InvalidPhoneNumberError(reference, issues);
}

/** Returns the work-queue key of a resource: `namespace/name`. */
export function keyOf(resource: { metadata: { namespace?: string; name?: string } }): string {
  return `${resource.metadata.namespace ?? ''}/${resource.metadata.name ?? ''}`;
}

/** True when the resource carries the pause annotation with the value `"true"`. */
export function isPaused(resource: PhoneNumber): boolean {
  return resource.metadata.annotations?.[PAUSED_ANNOTATION] === 'true';
}

/** True when the API server has marked the resource for deletion. */
export function isDeleting(resource: PhoneNumber): boolean {
  return resource.metadata.deletionTimestamp !== undefined && resource.metadata.deletionTimestamp !== null;
}

/** Returns the resource's creation time in milliseconds since the epoch, or +Infinity when unknown. */
export function createdAtMs(resource: PhoneNumber): number {
  const value = resource.metadata.creationTimestamp;
  if (value === undefined) {
    return Number.POSITIVE_INFINITY;
  }
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}
