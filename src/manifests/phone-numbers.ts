/**
 * Picks the PhoneNumbers out of parsed manifests and validates each with the same zod schema the
 * controller uses, so that `plan` rejects what the controller would reject. Kubernetes lists
 * (`kind: List`, `PhoneNumberList`, as `kubectl get -o yaml` writes them) are expanded.
 */
import { API_VERSION, InvalidPhoneNumberError, KIND, parsePhoneNumber, type PhoneNumber } from '../api/phone-number.ts';
import type { SourcedDocument } from './files.ts';

/** A valid PhoneNumber and where it was read from (`file:line`, or `cluster`). */
export interface SourcedPhoneNumber {
  resource: PhoneNumber;
  source: string;
}

/** A PhoneNumber manifest that failed validation, with one line per problem. */
export interface InvalidManifest {
  source: string;
  namespace?: string;
  name?: string;
  issues: string[];
}

/** A document of another kind, which PhoneNumber commands ignore. */
export interface IgnoredDocument {
  source: string;
  kind: string;
}

export interface ManifestSelection {
  resources: SourcedPhoneNumber[];
  invalid: InvalidManifest[];
  ignored: IgnoredDocument[];
}

/** The rule the API server applies to object names (a DNS-1123 subdomain). */
const NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_MAX_LENGTH = 253;

function stringField(object: Record<string, unknown>, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' ? value : undefined;
}

function metadataOf(object: Record<string, unknown>): Record<string, unknown> {
  const metadata = object.metadata;
  return typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : {};
}

type Expanded = { source: string; object: Record<string, unknown> } | { source: string; error: string };

/** Expands `items` of a list document; other documents stand for themselves. Order is kept. */
function expandLists(documents: readonly SourcedDocument[]): Expanded[] {
  const expanded: Expanded[] = [];

  for (const document of documents) {
    if ('error' in document) {
      expanded.push({ source: document.source, error: document.error });
      continue;
    }
    const kind = stringField(document.value, 'kind') ?? '';
    const items = document.value.items;
    if (!(kind.endsWith('List') && Array.isArray(items))) {
      expanded.push({ source: document.source, object: document.value });
      continue;
    }
    items.forEach((item: unknown, index) => {
      const source = `${document.source} (items[${index}])`;
      if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
        expanded.push({ source, object: item as Record<string, unknown> });
      } else {
        expanded.push({ source, error: 'expected a Kubernetes object in the list' });
      }
    });
  }
  return expanded;
}

/**
 * Validates one PhoneNumber object. A missing `metadata.namespace` is set to `defaultNamespace`,
 * as kubectl does. `keepStatus` false drops `status`, because a manifest file states desired
 * state and a status copied into it is stale.
 */
export function validatePhoneNumber(object: Record<string, unknown>, source: string, defaultNamespace: string, keepStatus: boolean): SourcedPhoneNumber | InvalidManifest {
  const metadata = metadataOf(object);
  const namespace = stringField(metadata, 'namespace') ?? defaultNamespace;
  const name = stringField(metadata, 'name');
  const reference = { source, namespace, ...(name === undefined ? {} : { name }) };

  const apiVersion = stringField(object, 'apiVersion');
  if (apiVersion !== API_VERSION) {
    return { ...reference, issues: [`apiVersion: ${JSON.stringify(apiVersion ?? null)} is not served; use ${API_VERSION}`] };
  }
  if (name === undefined || name.length > NAME_MAX_LENGTH || !NAME_PATTERN.test(name)) {
    return {
      ...reference,
      issues: [`metadata.name: ${JSON.stringify(name ?? null)} is not a valid name; use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, at most ${NAME_MAX_LENGTH} characters`],
    };
  }

  const { status: _status, ...withoutStatus } = object;
  const candidate = { ...(keepStatus ? object : withoutStatus), metadata: { ...metadata, namespace } };
  try {
    return { resource: parsePhoneNumber(candidate), source };
  } catch (error) {
    if (error instanceof InvalidPhoneNumberError) {
      return { ...reference, issues: error.issues };
    }
    throw error;
  }
}

/**
 * Selects and validates the PhoneNumbers among `documents`. A second manifest for the same
 * namespace/name is reported as invalid, because `kubectl apply` would overwrite the first.
 */
export function selectPhoneNumbers(documents: readonly SourcedDocument[], defaultNamespace: string): ManifestSelection {
  const selection: ManifestSelection = { resources: [], invalid: [], ignored: [] };
  const seen = new Map<string, string>();

  for (const item of expandLists(documents)) {
    if ('error' in item) {
      selection.invalid.push({ source: item.source, issues: [item.error] });
      continue;
    }
    const { source, object } = item;
    const kind = stringField(object, 'kind');
    if (kind !== KIND) {
      selection.ignored.push({ source, kind: kind ?? '(no kind)' });
      continue;
    }

    const result = validatePhoneNumber(object, source, defaultNamespace, false);
    if ('issues' in result) {
      selection.invalid.push(result);
      continue;
    }

    const key = `${result.resource.metadata.namespace}/${result.resource.metadata.name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      selection.invalid.push({
        source,
        namespace: result.resource.metadata.namespace,
        name: result.resource.metadata.name,
        issues: [`metadata.name: PhoneNumber ${key} is already defined at ${first}; the plan uses that one, while kubectl apply would end with this one. Keep only one of them.`],
      });
      continue;
    }
    seen.set(key, source);
    selection.resources.push(result);
  }
  return selection;
}
