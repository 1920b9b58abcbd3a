// What a ServiceAccount may do, as `kubectl auth can-i --list` prints it and as the example's config/rbac
// grants it, both in one row form so the two can be compared as sets.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { exampleRoot } from '../hello-world/support.ts';

/** An RBAC rule as the API takes it (src/core's RbacRule has no non-resource URLs). */
export interface RbacRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

/** One row of `kubectl auth can-i --list`: `resource.group[/subresource]` or a non-resource URL, and verbs. */
export interface RightsRow {
  resource: string;
  nonResourceUrl: string;
  resourceNames: string;
  /** Sorted, so that the order a rule lists its verbs in does not matter. */
  verbs: string[];
}

/** A row as one comparable line: `resource | url | names | verb,verb`. */
export function rowKey(row: RightsRow): string {
  return `${row.resource} | ${row.nonResourceUrl} | ${row.resourceNames} | ${row.verbs.join(',')}`;
}

/**
 * The rows of `kubectl auth can-i --list` (a table whose columns start where the header's titles do):
 * `configmaps  []  []  [get list]` and `  [/api]  []  [get]` for a non-resource URL.
 */
export function parseCanIList(text: string): RightsRow[] {
  const [header, ...lines] = text.split('\n').filter((l) => l.trim() !== '');
  const starts = ['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs'].map((title) => header?.indexOf(title) ?? -1);
  if (!header || starts.some((s) => s < 0)) throw new Error(`not the table of kubectl auth can-i --list:\n${text}`);
  const [urls, names, verbs] = [starts[1]!, starts[2]!, starts[3]!];
  const bracketed = (cell: string) => {
    const inner = /^\[(.*)\]$/.exec(cell.trim());
    if (!inner) throw new Error(`"${cell}" is not a bracketed list in:\n${text}`);
    return inner[1]!;
  };
  return lines.map((line) => ({
    resource: line.slice(0, urls).trim(),
    nonResourceUrl: bracketed(line.slice(urls, names)),
    resourceNames: bracketed(line.slice(names, verbs)),
    verbs: bracketed(line.slice(verbs)).split(' ').filter(Boolean).sort(),
  }));
}

/** The rows kubectl prints for `rules`: one per group and resource, or per non-resource URL. */
export function rowsOfRules(rules: readonly RbacRule[]): RightsRow[] {
  const rows: RightsRow[] = [];
  for (const rule of rules) {
    const verbs = [...rule.verbs].sort();
    const resourceNames = (rule.resourceNames ?? []).join(' ');
    for (const url of rule.nonResourceURLs ?? []) rows.push({ resource: '', nonResourceUrl: url, resourceNames, verbs });
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        const [plural, subresource] = resource.split('/');
        rows.push({
          resource: `${plural}${group ? `.${group}` : ''}${subresource ? `/${subresource}` : ''}`,
          nonResourceUrl: '',
          resourceNames,
          verbs,
        });
      }
    }
  }
  return rows;
}

/** A Role or ClusterRole of the example's config/rbac. */
export interface GrantedRole {
  file: string;
  kind: 'Role' | 'ClusterRole';
  name: string;
  namespace?: string;
  rules: RbacRule[];
}

/**
 * The Roles and ClusterRoles of the example's generated config/rbac (or another project's `rbacDir`) that its
 * bindings grant to its ServiceAccount: the operator's rights. A role bound to nobody (the metrics reader, which a
 * cluster admin binds to a scraper) is no right of the operator's.
 */
export async function grantedRoles(rbacDir = join(exampleRoot, 'config', 'rbac')): Promise<GrantedRole[]> {
  interface RbacObject {
    kind?: string;
    metadata?: { name?: string; namespace?: string };
    rules?: RbacRule[];
    roleRef?: { kind: string; name: string };
    subjects?: Array<{ kind: string; name: string; namespace?: string }>;
  }
  const objects: Array<{ file: string; object: RbacObject }> = [];
  for (const file of (await readdir(rbacDir)).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(await readFile(join(rbacDir, file), 'utf8'))) {
      const object = doc.toJS() as RbacObject | null;
      if (object) objects.push({ file, object });
    }
  }
  const accounts = objects.filter(({ object }) => object.kind === 'ServiceAccount').map(({ object }) => object.metadata);
  assert.equal(accounts.length, 1, `${rbacDir} defines one ServiceAccount, the operator's`);
  const account = accounts[0]!;
  const bound = new Set<string>();
  for (const { object } of objects) {
    if (object.kind !== 'RoleBinding' && object.kind !== 'ClusterRoleBinding') continue;
    const toAccount = object.subjects?.some(
      (s) => s.kind === 'ServiceAccount' && s.name === account?.name && s.namespace === account?.namespace,
    );
    // A RoleBinding's Role is in the binding's namespace; a ClusterRole has none.
    const namespace = object.roleRef?.kind === 'Role' ? object.metadata?.namespace : undefined;
    if (toAccount && object.roleRef) bound.add(`${object.roleRef.kind}/${namespace ?? ''}/${object.roleRef.name}`);
  }
  const roles: GrantedRole[] = [];
  for (const { file, object } of objects) {
    if (object.kind !== 'Role' && object.kind !== 'ClusterRole') continue;
    const namespace = object.kind === 'Role' ? object.metadata?.namespace : undefined;
    if (!bound.has(`${object.kind}/${namespace ?? ''}/${object.metadata?.name ?? ''}`)) continue;
    roles.push({
      file,
      kind: object.kind,
      name: object.metadata?.name ?? '',
      namespace: object.metadata?.namespace,
      rules: object.rules ?? [],
    });
  }
  return roles;
}

/** `kubectl auth can-i --list` of a row that is a resource: `resource.group[/subresource]`. */
export function resourceRow(resource: string, verbs: string[]): RightsRow {
  return { resource, nonResourceUrl: '', resourceNames: '', verbs: [...verbs].sort() };
}

export function urlRow(url: string): RightsRow {
  return { resource: '', nonResourceUrl: url, resourceNames: '', verbs: ['get'] };
}

/**
 * What every authenticated user may do whatever a project grants (system:basic-user, system:discovery,
 * system:public-info-viewer), and every ServiceAccount (system:service-account-issuer-discovery).
 */
export const builtIn: RightsRow[] = [
  resourceRow('selfsubjectreviews.authentication.k8s.io', ['create']),
  resourceRow('selfsubjectaccessreviews.authorization.k8s.io', ['create']),
  resourceRow('selfsubjectrulesreviews.authorization.k8s.io', ['create']),
  ...['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/readyz', '/version', '/version/', '/openapi', '/openapi/*'].map(urlRow),
  ...['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'].map(urlRow),
];

/** The same rights, as sets of rows; the failure names every extra and every missing row. */
export function assertSameRights(where: string, actual: readonly RightsRow[], expected: readonly RightsRow[]): void {
  const have = new Set(actual.map(rowKey));
  const want = new Set(expected.map(rowKey));
  const extra = [...have].filter((k) => !want.has(k)).sort();
  const missing = [...want].filter((k) => !have.has(k)).sort();
  assert.deepEqual(
    { extra, missing },
    { extra: [], missing: [] },
    `${where}: extra rows are rights nobody granted on purpose, missing rows rights the operator lacks`,
  );
}
