// Declarations → CustomResourceDefinition objects and YAML. Several declarations of one kind become the
// versions of one CRD. Versions with different schemas need a conversion webhook (the API server stores one
// version and converts to the others on every read and write): without one, only identical schemas are allowed.
// The webhook itself lives a layer up (capstan/webhook's `conversion`); this layer only writes where it is.
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
  schema: {
    /** The version's structural schema, as {@link customResource} converted and checked it. */
    openAPIV3Schema: StructuralSchema;
  };
  subresources?: {
    /** `{}` enables the status subresource. */
    status?: Record<string, never>;
    /** The scale subresource's replica and selector paths. */
    scale?: ScaleSubresource;
  };
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
  /** Only the name: labels and annotations are yours to add. */
  metadata: {
    /** `<plural>.<group>`, as the API server requires (`helloworlds.apps.example.com`). */
    name: string;
  };
  spec: {
    /** The API group its kinds are served in. */
    group: string;
    /** The kind's names (`spec.names`), shared by every version. */
    names: CrdNames;
    /** `Namespaced` or `Cluster`, shared by every version. */
    scope: 'Namespaced' | 'Cluster';
    /** One entry per declaration, in the order given; exactly one has `storage: true`. */
    versions: CrdVersion[];
    /** Present only when the versions are converted by a webhook (`options.conversion`). */
    conversion?: {
      /** Always `Webhook`: without a conversion the strategy is the API server's default, `None`. */
      strategy: 'Webhook';
      /** Where the API server sends ConversionReviews. */
      webhook: {
        /** The ConversionReview versions the webhook understands: `v1` only. */
        conversionReviewVersions: ['v1'];
        /** The webhook's address and the CA that signed its certificate. */
        clientConfig: CrdWebhookClientConfig;
      };
    };
  };
}

/**
 * Where the API server reaches a CRD's conversion webhook (`spec.conversion.webhook.clientConfig`): a Service in
 * the cluster, or an HTTPS `url` (a `url` on 127.0.0.1 serves only a control plane on the same machine). Capstan
 * serves conversion at the path `/convert`: put it in `service.path`, or at the end of `url`. `caBundle` is the
 * base64 PEM of the CA that signed the serving certificate (left out, the API server trusts its own roots).
 *
 * @example
 * ```ts
 * import type { CrdWebhookClientConfig } from 'capstan/crd';
 * const inCluster: CrdWebhookClientConfig = { service: { namespace: 'widget-system', name: 'widget-webhooks', path: '/convert', port: 443 } };
 * const local: CrdWebhookClientConfig = { url: 'https://127.0.0.1:9443/convert', caBundle: 'LS0tLS1CRUdJTi…' };
 * ```
 */
export type CrdWebhookClientConfig =
  | {
      /** `https://host:port/path` of the webhook; the API server must be able to reach it. */
      url: string;
      /** Base64 PEM of the CA that signed the webhook's certificate. */
      caBundle?: string;
    }
  | {
      /** The Service in front of the webhook server. */
      service: {
        /** The Service's namespace. */
        namespace: string;
        /** The Service's name. */
        name: string;
        /** The URL path; Capstan serves conversions at `/convert`. */
        path?: string;
        /** The Service port; the API server's default is 443. */
        port?: number;
      };
      /** Base64 PEM of the CA that signed the webhook's certificate. */
      caBundle?: string;
    };

/**
 * A CRD's conversion webhook, as {@link CrdOptions} takes it.
 *
 * @example
 * ```ts
 * import { conversionPath } from 'capstan/webhook';
 * import type { CrdConversion } from 'capstan/crd';
 * const conversion: CrdConversion = {
 *   clientConfig: { service: { namespace: 'widget-system', name: 'widget-webhooks', path: conversionPath, port: 443 } },
 * };
 * ```
 */
export interface CrdConversion {
  /** Where the API server reaches the conversion webhook. */
  clientConfig: CrdWebhookClientConfig;
}

/**
 * Options of {@link crdFor}, {@link crdsFor} and {@link crdYaml}.
 *
 * @example
 * ```ts
 * import type { CrdOptions } from 'capstan/crd';
 * const options: CrdOptions = {
 *   conversion: (crdName) =>
 *     crdName === 'widgets.example.com'
 *       ? { clientConfig: { service: { namespace: 'widget-system', name: 'widget-webhooks', path: '/convert' } } }
 *       : undefined,
 * };
 * ```
 */
export interface CrdOptions {
  /**
   * The conversion webhook of the CRD (or, as a function of the CRD's name, of each CRD that has one). With it, the
   * versions may have different schemas and `spec.conversion` (strategy `Webhook`, ConversionReview `v1`) is
   * written; declare the conversion itself with `conversion(Hub).spoke(…)` of capstan/webhook (its `crdName`
   * says which CRD it serves) and serve it with the manager.
   */
  conversion?: CrdConversion | ((crdName: string) => CrdConversion | undefined);
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
 * The CRD of one declaration, or of several versions of one kind (same group, names and scope, exactly one with
 * `storage: true`). Versions may differ in schema only when `options.conversion` names their conversion webhook.
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
 *
 * // Different schemas: served through a conversion webhook (conversion(Hub).spoke(…) of capstan/webhook).
 * const v2 = customResource({ group: 'example.com', version: 'v2', kind: 'Widget', spec: Type.Object({ replicas: Type.Integer() }), storage: false });
 * const converted = crdFor([v1, v2], {
 *   conversion: { clientConfig: { service: { namespace: 'widget-system', name: 'widget-webhooks', path: '/convert' } } },
 * });
 * console.log(converted.spec.conversion?.strategy); // 'Webhook'
 * ```
 */
export function crdFor(resources: CustomResource | readonly CustomResource[], options: CrdOptions = {}): CustomResourceDefinition {
  const list: readonly CustomResource[] = Array.isArray(resources) ? resources : [resources as CustomResource];
  const [first] = list;
  if (!first) throw new CrdError('VERSIONS', 'versions', 'crdFor needs at least one declaration');
  const name = `${first.plural}.${first.group}`;
  const conversion = typeof options.conversion === 'function' ? options.conversion(name) : options.conversion;
  const seen = new Set<string>();
  for (const other of list) {
    const at = `${name} ${other.version}`;
    if (seen.has(other.version)) throw new CrdError('VERSIONS', at, `version ${other.version} is declared twice`);
    seen.add(other.version);
    if (other.group !== first.group || !sameJson(other.names, first.names) || other.scope !== first.scope) {
      throw new CrdError('VERSIONS', at, `disagrees with ${first.version} on group, names or scope; all versions of one CRD share them`);
    }
    if (!conversion && !sameJson(other.schema, first.schema)) {
      throw new CrdError(
        'VERSION_SCHEMAS_DIFFER',
        at,
        `its schema differs from ${first.version}'s; versions with different schemas need a conversion webhook: ` +
          'declare one with conversion(Hub).spoke(Spoke, { toHub, fromHub }) of capstan/webhook, serve it, and pass its ' +
          'client config as the `conversion` option here (capstan generate does this for the conversions the operator ' +
          'module exports); or give every version the same schema',
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
    spec: {
      group: first.group,
      names: { ...first.names },
      scope: first.scope,
      versions: list.map(versionOf),
      ...(conversion
        ? {
            conversion: {
              strategy: 'Webhook' as const,
              webhook: { conversionReviewVersions: ['v1'] as ['v1'], clientConfig: structuredClone(conversion.clientConfig) },
            },
          }
        : {}),
    },
  };
}

/**
 * One CRD per kind among `resources` (declarations of the same kind become its versions), in the order
 * each kind first appears: what `capstan generate` writes for a module's exports. `options.conversion` as a
 * function gives each CRD's conversion webhook by name (`undefined` for a CRD without one).
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
export function crdsFor(resources: readonly CustomResource[], options: CrdOptions = {}): CustomResourceDefinition[] {
  const byName = new Map<string, CustomResource[]>();
  for (const resource of resources) {
    const name = `${resource.plural}.${resource.group}`;
    byName.set(name, [...(byName.get(name) ?? []), resource]);
  }
  return [...byName.values()].map((versions) => crdFor(versions, options));
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
export function crdYaml(resources: CustomResource | readonly CustomResource[], options: CrdOptions = {}): string {
  const list: readonly CustomResource[] = Array.isArray(resources) ? resources : [resources as CustomResource];
  return crdsFor(list, options)
    .map((crd) => kubeYaml(crd))
    .join('---\n');
}
