// Declarations → CustomResourceDefinition objects and YAML. Several declarations of one kind become the
// versions of one CRD, but only when their schemas are identical: different schemas would need a
// conversion webhook to translate stored objects between versions, which Capstan does not run.
import { kubeYaml } from '../internal/kube-yaml.ts';
import type * as apiextensionsv1 from '../kinds/apiextensions/v1.ts';
import type { CustomResource } from './declaration.ts';
import { CrdError } from './errors.ts';
import type { CrdNames } from './names.ts';
import type { PrinterColumn, ScaleSubresource } from './printer-columns.ts';
import { sameJson, type StructuralSchema } from './structural-schema.ts';

/**
 * One entry of a CRD's `spec.versions`.
 *
 * @example
 * ```ts
 * import type { CrdVersion } from 'capstan/crd';
 * const stored = (versions: CrdVersion[]): string | undefined => versions.find((v) => v.storage)?.name;
 * ```
 */
export interface CrdVersion extends apiextensionsv1.CustomResourceDefinitionVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema: { openAPIV3Schema: StructuralSchema };
  subresources?: { status?: Record<string, never>; scale?: ScaleSubresource };
  additionalPrinterColumns?: PrinterColumn[];
}

/**
 * An `apiextensions.k8s.io/v1` CustomResourceDefinition, ready to send to the API server: the generated
 * `CustomResourceDefinition` of `capstan/kinds/apiextensions/v1` narrowed to what Capstan writes (so it is
 * assignable to it, and the compiler checks that it stays so).
 *
 * @example
 * ```ts
 * import type { CustomResourceDefinition } from 'capstan/crd';
 * function servedVersions(crd: CustomResourceDefinition): string[] {
 *   return crd.spec.versions.filter((v) => v.served).map((v) => v.name);
 * }
 * ```
 */
export interface CustomResourceDefinition extends apiextensionsv1.CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    names: CrdNames;
    scope: 'Namespaced' | 'Cluster';
    versions: CrdVersion[];
  };
}

function versionOf(resource: CustomResource): CrdVersion {
  const version: CrdVersion = {
    name: resource.version,
    served: resource.served,
    storage: resource.storage,
    ...(resource.deprecated ? { deprecated: true } : {}),
    ...(resource.deprecationWarning !== undefined ? { deprecationWarning: resource.deprecationWarning } : {}),
    schema: { openAPIV3Schema: resource.schema },
  };
  if (Object.keys(resource.subresources).length > 0) version.subresources = { ...resource.subresources };
  if (resource.printerColumns.length > 0) version.additionalPrinterColumns = [...resource.printerColumns];
  return version;
}

/**
 * The CRD of one declaration, or of several versions of one kind (same group, names and scope, identical
 * schemas, exactly one with `storage: true`).
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { crdFor, customResource } from 'capstan/crd';
 * const spec = Type.Object({ size: Type.Integer({ minimum: 1, maximum: 10 }) });
 * const v1 = customResource({ group: 'example.com', version: 'v1', kind: 'Widget', spec });
 * const v1beta1 = customResource({ group: 'example.com', version: 'v1beta1', kind: 'Widget', spec, storage: false, deprecated: true });
 * const crd = crdFor([v1, v1beta1]);
 * console.log(crd.metadata.name, crd.spec.versions.map((v) => v.name)); // 'widgets.example.com' ['v1', 'v1beta1']
 * ```
 */
export function crdFor(resources: CustomResource | readonly CustomResource[]): CustomResourceDefinition {
  const list: readonly CustomResource[] = Array.isArray(resources) ? resources : [resources as CustomResource];
  const [first] = list;
  if (!first) throw new CrdError('VERSIONS', 'versions', 'crdFor needs at least one declaration');
  const name = `${first.plural}.${first.group}`;
  const seen = new Set<string>();
  for (const other of list) {
    const at = `${name} ${other.version}`;
    if (seen.has(other.version)) throw new CrdError('VERSIONS', at, `version ${other.version} is declared twice`);
    seen.add(other.version);
    if (other.group !== first.group || !sameJson(other.names, first.names) || other.scope !== first.scope) {
      throw new CrdError('VERSIONS', at, `disagrees with ${first.version} on group, names or scope; all versions of one CRD share them`);
    }
    if (!sameJson(other.schema, first.schema)) {
      throw new CrdError(
        'VERSION_SCHEMAS_DIFFER',
        at,
        `its schema differs from ${first.version}'s; versions with different schemas need a conversion webhook, which Capstan does not provide: give every version the same schema, or declare a new kind`,
      );
    }
  }
  const stored = list.filter((r) => r.storage);
  if (stored.length !== 1) {
    throw new CrdError(
      'VERSIONS',
      name,
      `exactly one version must have storage: true (found ${stored.length}: ${stored.map((r) => r.version).join(', ') || 'none'}); set storage: false on the others`,
    );
  }
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: { group: first.group, names: { ...first.names }, scope: first.scope, versions: list.map(versionOf) },
  };
}

/**
 * One CRD per kind among `resources` (declarations of the same kind become its versions), in the order
 * each kind first appears: what `capstan generate` writes for a module's exports.
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { crdsFor, customResource } from 'capstan/crd';
 * const A = customResource({ group: 'example.com', version: 'v1', kind: 'Alpha', spec: Type.Object({}) });
 * const B = customResource({ group: 'example.com', version: 'v1', kind: 'Beta', spec: Type.Object({}) });
 * console.log(crdsFor([A, B]).map((crd) => crd.metadata.name)); // ['alphas.example.com', 'betas.example.com']
 * ```
 */
export function crdsFor(resources: readonly CustomResource[]): CustomResourceDefinition[] {
  const byName = new Map<string, CustomResource[]>();
  for (const resource of resources) {
    const name = `${resource.plural}.${resource.group}`;
    byName.set(name, [...(byName.get(name) ?? []), resource]);
  }
  return [...byName.values()].map((versions) => crdFor(versions));
}

/**
 * The YAML of the CRDs for `resources` (one document per kind, separated by `---`), as `kubectl apply -f`
 * takes it. Deterministic: the same declarations always give the same text.
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { crdYaml, customResource } from 'capstan/crd';
 * const Widget = customResource({ group: 'example.com', version: 'v1', kind: 'Widget', spec: Type.Object({ size: Type.Integer() }) });
 * process.stdout.write(crdYaml(Widget)); // apiVersion: apiextensions.k8s.io/v1 …
 * ```
 */
export function crdYaml(resources: CustomResource | readonly CustomResource[]): string {
  const list: readonly CustomResource[] = Array.isArray(resources) ? resources : [resources as CustomResource];
  return crdsFor(list)
    .map((crd) => kubeYaml(crd))
    .join('---\n');
}
