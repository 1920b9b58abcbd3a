// The names of a custom resource, checked as the API server checks `spec.names`, `spec.group` and
// version names, with Kubebuilder's defaults for what the author leaves out.
import { CrdError } from './errors.ts';

/**
 * The names block of a CRD (`spec.names`).
 *
 * @example
 * ```ts
 * import type { CrdNames } from 'capstan/crd';
 * const names: CrdNames = { kind: 'HelloWorld', listKind: 'HelloWorldList', plural: 'helloworlds', singular: 'helloworld', shortNames: ['hw'] };
 * ```
 */
export interface CrdNames {
  /** The kind, CamelCase (`HelloWorld`). */
  kind: string;
  /** The kind of its lists (`HelloWorldList`). */
  listKind: string;
  /** The resource name in URLs and RBAC rules, lower case (`helloworlds`); the CRD is named `<plural>.<group>`. */
  plural: string;
  /** The lower-case singular, accepted by `kubectl get` (`helloworld`). */
  singular: string;
  /** Abbreviations `kubectl get` accepts (`hw`). */
  shortNames?: string[];
  /** Groups it belongs to for `kubectl get <category>` (`all`). */
  categories?: string[];
}

const dns1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function checkLabel(value: unknown, field: string, what: string): string {
  if (typeof value !== 'string' || !dns1035.test(value) || value.length > 63) {
    throw new CrdError(
      'DECLARATION',
      field,
      `${JSON.stringify(value)} is not a valid ${what}: lower-case letters, digits and '-', starting with a letter, at most 63 characters`,
    );
  }
  return value;
}

/** `helloworld` → `helloworlds`, `policy` → `policies`, `box` → `boxes` (what Kubebuilder would pick). */
export function defaultPlural(singular: string): string {
  if (/(s|x|z|ch|sh)$/.test(singular)) return `${singular}es`;
  if (/[^aeiou]y$/.test(singular)) return `${singular.slice(0, -1)}ies`;
  return `${singular}s`;
}

/** Check the group: a DNS subdomain with at least one dot (`apps.example.com`). */
export function checkGroup(group: unknown): string {
  const labels = typeof group === 'string' ? group.split('.') : [];
  if (typeof group !== 'string' || labels.length < 2 || group.length > 253 || !labels.every((l) => dns1123Label.test(l))) {
    throw new CrdError(
      'DECLARATION',
      'group',
      `${JSON.stringify(group)} is not a valid API group: a lower-case DNS name with at least one dot, such as apps.example.com`,
    );
  }
  return group;
}

/** Check a version name (`v1`, `v1alpha1`, `v2beta3`). */
export function checkVersion(version: unknown): string {
  return checkLabel(version, 'version', 'version name (such as v1alpha1)');
}

/** The input names, checked, with defaults filled in. */
export function crdNames(input: {
  kind: unknown;
  plural?: unknown;
  singular?: unknown;
  listKind?: unknown;
  shortNames?: unknown;
  categories?: unknown;
}): CrdNames {
  const { kind } = input;
  if (typeof kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(kind) || kind.length > 63) {
    throw new CrdError(
      'DECLARATION',
      'kind',
      `${JSON.stringify(kind)} is not a valid kind: CamelCase letters and digits starting with an upper-case letter (HelloWorld)`,
    );
  }
  const singular = checkLabel(input.singular ?? kind.toLowerCase(), 'singular', 'singular name');
  const plural = checkLabel(input.plural ?? defaultPlural(singular), 'plural', 'plural name');
  const listKind = input.listKind ?? `${kind}List`;
  if (typeof listKind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(listKind) || listKind === kind) {
    throw new CrdError(
      'DECLARATION',
      'listKind',
      `${JSON.stringify(listKind)} is not a valid list kind (CamelCase, different from the kind)`,
    );
  }
  const names: CrdNames = { kind, listKind, plural, singular };
  for (const field of ['shortNames', 'categories'] as const) {
    const list = input[field];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new CrdError('DECLARATION', field, 'must be a list of names');
    const checked = list.map((n, i) => checkLabel(n, `${field}[${i}]`, field === 'shortNames' ? 'short name' : 'category'));
    if (new Set(checked).size !== checked.length) throw new CrdError('DECLARATION', field, `${JSON.stringify(checked)} has duplicates`);
    if (checked.length > 0) names[field] = checked;
  }
  if (names.shortNames?.includes(plural) || names.shortNames?.includes(singular)) {
    throw new CrdError('DECLARATION', 'shortNames', 'a short name must differ from the plural and singular names');
  }
  return names;
}
