// CRD conversion: one kind, several versions with different schemas, converted by the API server through a
// webhook. Conversions are declared hub-and-spoke (each spoke converts to and from the hub only, so n versions
// need n - 1 pairs of functions, and spoke to spoke goes through the hub). The user's functions convert spec and
// status; Capstan copies metadata, sets apiVersion, and keeps what one version has and another cannot hold in an
// annotation, so that a round trip through another version loses nothing.
import { apiVersionOf, CapstanError, type Kind, type KubeObject, type ObjectOf } from '../core/index.ts';
import { isPlainObject } from '../internal/json.ts';
import { WebhookError } from './admission.ts';
import { conversionDataAnnotation, lostFields, mergeMissing, readConversionData, writeConversionData } from './conversion-data.ts';

/**
 * What a conversion function returns: the target version's `spec` and `status` (status only when the version
 * declares one). Capstan copies `metadata` from the object converted and sets `apiVersion` and `kind`.
 *
 * @example
 * ```ts
 * import type { KubeObject } from 'capstan/core';
 * import type { ConvertedFields } from 'capstan/webhook';
 * interface WidgetV2 extends KubeObject { spec: { replicas: number }; status?: { ready?: boolean } }
 * const fields: ConvertedFields<WidgetV2> = { spec: { replicas: 3 }, status: { ready: true } };
 * ```
 */
export type ConvertedFields<T> = Pick<T, 'spec' & keyof T> & Partial<Pick<T, 'status' & keyof T>>;

/**
 * The two functions between a spoke version and the hub, typed from both declarations' schemas. Each gets the
 * whole object (metadata included, to read) and returns the other version's spec and status. They must be pure
 * (the same object in, the same fields out): Capstan calls them again to find what a round trip loses.
 *
 * @example
 * ```ts
 * import type { KubeObject } from 'capstan/core';
 * import type { SpokeConversion } from 'capstan/webhook';
 * interface WidgetV1 extends KubeObject { spec: { size: number } }
 * interface WidgetV2 extends KubeObject { spec: { replicas: number } }
 * export const v1: SpokeConversion<WidgetV2, WidgetV1> = {
 *   toHub: (w) => ({ spec: { replicas: w.spec.size } }),
 *   fromHub: (w) => ({ spec: { size: w.spec.replicas } }),
 * };
 * ```
 */
export interface SpokeConversion<Hub extends KubeObject, Spoke extends KubeObject> {
  /** The spoke's object as the hub's spec and status. */
  toHub(object: Spoke): ConvertedFields<Hub>;
  /** The hub's object as the spoke's spec and status. */
  fromHub(object: Hub): ConvertedFields<Spoke>;
}

/**
 * The conversions between the versions of one kind, as the webhook server serves them: made by {@link conversion}.
 *
 * @example
 * ```ts
 * import type { KubeObject } from 'capstan/core';
 * import type { ConversionDefinition } from 'capstan/webhook';
 * declare const widgetConversion: ConversionDefinition;
 * declare const stored: KubeObject; // an example.com/v2 Widget
 * console.log(widgetConversion.crdName, widgetConversion.convert(stored, 'example.com/v1').apiVersion); // 'widgets.example.com' 'example.com/v1'
 * ```
 */
export interface ConversionDefinition {
  /** The version every other one converts through (usually the storage version). */
  readonly hub: Kind;
  /** The kind's API group (`example.com`): with `kind`, how a ConversionReview's objects find their conversion. */
  readonly group: string;
  /** The kind (`Widget`). */
  readonly kind: string;
  /** The name of the CRD it serves (`widgets.example.com`): pass its webhook as `crdFor`'s `conversion` option for this CRD. */
  readonly crdName: string;
  /** The versions it converts between: the hub's first, then the spokes' in the order declared. */
  readonly versions: readonly string[];
  /**
   * `object` (of any of {@link versions}) in the version of `desiredAPIVersion` (`example.com/v2`): returned
   * unchanged when it is in that version already, otherwise a new object with the same metadata (apart from the
   * {@link conversionDataAnnotation}). Throws {@link ConversionError} for a kind, group or version it does not
   * convert, and when a conversion function throws.
   */
  convert(object: KubeObject, desiredAPIVersion: string): KubeObject;
}

/**
 * Builds a {@link ConversionDefinition}; each `.spoke` returns a new builder.
 *
 * @example
 * ```ts
 * import { defineKind, type KubeObject } from 'capstan/core';
 * import { conversion, type ConversionBuilder } from 'capstan/webhook';
 * interface WidgetV2 extends KubeObject { spec: { replicas: number } }
 * const WidgetV2 = defineKind<WidgetV2>({ group: 'example.com', version: 'v2', kind: 'Widget', plural: 'widgets', namespaced: true });
 * const builder: ConversionBuilder<typeof WidgetV2> = conversion(WidgetV2);
 * ```
 */
export interface ConversionBuilder<Hub extends Kind> extends ConversionDefinition {
  /**
   * Another version of the kind, with its conversions to and from the hub. Throws {@link WebhookError} when
   * `spoke` is not a version of the hub's kind or its version is declared already.
   */
  spoke<Spoke extends Kind>(spoke: Spoke, functions: SpokeConversion<ObjectOf<Hub>, ObjectOf<Spoke>>): ConversionBuilder<Hub>;
}

/**
 * A conversion that could not be made: an unknown kind, group or version, or a conversion function that threw
 * (its error is the `cause`). The message names the object and the versions.
 *
 * @example
 * ```ts
 * import type { KubeObject } from 'capstan/core';
 * import { ConversionError, type ConversionDefinition } from 'capstan/webhook';
 * declare const widgetConversion: ConversionDefinition;
 * declare const widget: KubeObject;
 * try {
 *   widgetConversion.convert(widget, 'example.com/v1');
 * } catch (err) {
 *   if (err instanceof ConversionError) console.log(err.code, err.message); // 'CONVERSION_FAILED' 'converting Widget default/w from …'
 * }
 * ```
 */
export class ConversionError extends CapstanError<'CONVERSION_FAILED'> {}

/** What a conversion function returns, erased (the spec is required by its type, checked at run time here). */
type Fields = { spec?: unknown; status?: unknown };
type Step = (object: KubeObject) => Fields;

interface Spoke {
  readonly kind: Kind;
  readonly toHub: Step;
  readonly fromHub: Step;
}

/**
 * Start declaring the conversions of a kind whose versions have different schemas: `hub` is the version every
 * other converts through (usually the storage version), and each `.spoke(Version, { toHub, fromHub })` adds a
 * version with its two conversion functions, typed from both declarations. Serve the result with the manager
 * (`manager.add(widgetConversion)`) or `serveWebhooks`, at `/convert`; write the CRD with
 * `crdFor(versions, { conversion })`.
 *
 * Fields that exist in only one version survive a round trip through another in the
 * {@link conversionDataAnnotation} (`<group>/conversion-data`): a field of v1 that v2 lacks, written in v1 and
 * then updated in v2, is still there when read in v1 again.
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { customResource } from 'capstan/crd';
 * import { conversion } from 'capstan/webhook';
 * const status = Type.Object({ ready: Type.Optional(Type.Boolean()) });
 * // v1 had one `image` string; v2 splits it into repository and tag.
 * const WidgetV1 = customResource({
 *   group: 'example.com', version: 'v1', kind: 'Widget', status, storage: false,
 *   spec: Type.Object({ image: Type.String() }),
 * });
 * const WidgetV2 = customResource({
 *   group: 'example.com', version: 'v2', kind: 'Widget', status,
 *   spec: Type.Object({ repository: Type.String(), tag: Type.String() }),
 * });
 * export const widgetConversion = conversion(WidgetV2).spoke(WidgetV1, {
 *   toHub: (v1) => {
 *     const [repository = '', tag = 'latest'] = v1.spec.image.split(':');
 *     return { spec: { repository, tag }, status: v1.status };
 *   },
 *   fromHub: (v2) => ({ spec: { image: `${v2.spec.repository}:${v2.spec.tag}` }, status: v2.status }),
 * });
 * console.log(widgetConversion.crdName, widgetConversion.versions); // 'widgets.example.com' ['v2', 'v1']
 * ```
 */
export function conversion<Hub extends Kind>(hub: Hub): ConversionBuilder<Hub> {
  const build = (spokes: readonly Spoke[]): ConversionBuilder<Hub> => {
    const definition: ConversionDefinition = {
      hub,
      group: hub.group,
      kind: hub.kind,
      crdName: `${hub.plural}.${hub.group}`,
      versions: [hub.version, ...spokes.map((s) => s.kind.version)],
      convert: (object, desiredAPIVersion) => convertObject(hub, spokes, object, desiredAPIVersion),
    };
    return Object.freeze({
      ...definition,
      spoke: <S extends Kind>(spoke: S, functions: SpokeConversion<ObjectOf<Hub>, ObjectOf<S>>) => {
        const where = `conversion(${hub.kind} ${hub.version}).spoke(${spoke.kind} ${spoke.version})`;
        if (spoke.group !== hub.group || spoke.kind !== hub.kind || spoke.plural !== hub.plural) {
          throw new WebhookError(
            'INVALID_WEBHOOK',
            `${where}: a spoke is another version of the hub's kind (${hub.kind}.${hub.group}, plural ${hub.plural}), not ${spoke.kind}.${spoke.group} (plural ${spoke.plural})`,
          );
        }
        if (definition.versions.includes(spoke.version)) {
          throw new WebhookError('INVALID_WEBHOOK', `${where}: version ${spoke.version} is declared already; declare each version once`);
        }
        // Erased to plain objects here: each function only ever gets objects of its own version.
        return build([
          ...spokes,
          {
            kind: spoke,
            toHub: (object) => functions.toHub(object as ObjectOf<S>),
            fromHub: (object) => functions.fromHub(object as ObjectOf<Hub>),
          },
        ]);
      },
    });
  };
  return build([]);
}

/**
 * True for what {@link conversion} returned (how the server and the manager tell it from admission definitions).
 *
 * @example
 * ```ts
 * import { isConversionDefinition } from 'capstan/webhook';
 * declare const webhooks: unknown[]; // an operator module's `webhooks` export
 * const conversions = webhooks.filter(isConversionDefinition);
 * ```
 */
export function isConversionDefinition(value: unknown): value is ConversionDefinition {
  const v = value as Partial<ConversionDefinition> | null;
  return typeof v === 'object' && v !== null && typeof v.convert === 'function' && typeof v.crdName === 'string';
}

/** `example.com/v1` → group and version. */
export function splitApiVersion(apiVersion: string | undefined): { group: string; version: string } {
  const at = (apiVersion ?? '').lastIndexOf('/');
  return at < 0 ? { group: '', version: apiVersion ?? '' } : { group: apiVersion!.slice(0, at), version: apiVersion!.slice(at + 1) };
}

/** `Widget default/w`, for messages. */
export function describeObject(object: KubeObject): string {
  const { namespace, name } = object.metadata ?? {};
  return `${object.kind ?? 'object'} ${namespace ? `${namespace}/` : ''}${name ?? '(no name)'}`;
}

function convertObject(hub: Kind, spokes: readonly Spoke[], object: KubeObject, desiredAPIVersion: string): KubeObject {
  const from = splitApiVersion(object.apiVersion);
  const to = splitApiVersion(desiredAPIVersion);
  const what = `${describeObject(object)} from ${object.apiVersion ?? '(no apiVersion)'} to ${desiredAPIVersion}`;
  if (object.kind !== hub.kind || from.group !== hub.group || to.group !== hub.group) {
    throw new ConversionError('CONVERSION_FAILED', `cannot convert ${what}: this conversion is for ${hub.kind}.${hub.group} only`);
  }
  if (from.version === to.version) return object;
  const known = [hub.version, ...spokes.map((s) => s.kind.version)];
  for (const version of [from.version, to.version]) {
    if (!known.includes(version)) {
      throw new ConversionError(
        'CONVERSION_FAILED',
        `cannot convert ${what}: no conversion for version ${version} is declared (known: ${known.join(', ')}); add it to conversion(${hub.kind} ${hub.version}) with .spoke(<the ${version} declaration>, { toHub, fromHub })`,
      );
    }
  }
  const spokeOf = (version: string) => spokes.find((s) => s.kind.version === version)!;
  // Each step is one edge of the hub-and-spoke graph, with its own annotation bookkeeping.
  const steps: Array<{ to: Kind; forward: Step; back: Step; fromVersion: string }> = [];
  if (from.version !== hub.version) {
    const s = spokeOf(from.version);
    steps.push({ to: hub, forward: s.toHub, back: s.fromHub, fromVersion: s.kind.version });
  }
  if (to.version !== hub.version) {
    const s = spokeOf(to.version);
    steps.push({ to: s.kind, forward: s.fromHub, back: s.toHub, fromVersion: hub.version });
  }
  let current = object;
  for (const step of steps) {
    try {
      current = convertStep(current, step.fromVersion, step.to, step.forward, step.back);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const why = err instanceof ConversionError ? message : `the conversion function threw: ${message}`;
      throw new ConversionError('CONVERSION_FAILED', `converting ${what} failed at ${step.fromVersion} → ${step.to.version}: ${why}`, {
        cause: err,
      });
    }
  }
  return current;
}

/** What a conversion function returned, checked: its spec and status (those not undefined). */
function fieldsOf(fields: Fields, version: string): Record<string, unknown> {
  if (!isPlainObject(fields)) {
    throw new ConversionError(
      'CONVERSION_FAILED',
      `the conversion function to ${version} returned ${JSON.stringify(fields) ?? String(fields)}, not { spec, status }`,
    );
  }
  const body: Record<string, unknown> = {};
  if (fields.spec !== undefined) body['spec'] = fields.spec;
  if (fields.status !== undefined) body['status'] = fields.status;
  return body;
}

/** The converted fields of an object: everything but what Capstan owns (apiVersion, kind, metadata). */
function bodyOf(object: KubeObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata: _m, ...body } = object as KubeObject & Record<string, unknown>;
  return body;
}

/** A deep copy for a conversion function, so that one that changes its argument changes nothing of ours. */
function copy(object: KubeObject): KubeObject {
  return structuredClone(object);
}

function convertStep(object: KubeObject, fromVersion: string, to: Kind, forward: Step, back: Step): KubeObject {
  const annotation = conversionDataAnnotation(to.group);
  const data = readConversionData(object.metadata, annotation);
  const body = fieldsOf(forward(copy(object)), to.version);
  // What the target version lost before is restored where the conversion left the key out.
  const stored = data[to.version];
  if (isPlainObject(stored)) mergeMissing(body, stored);
  delete data[to.version];
  const target: KubeObject = { apiVersion: apiVersionOf(to), kind: to.kind, metadata: object.metadata, ...body };
  // What the source version has that the target cannot hold: the keys a round trip back leaves out.
  const lost = lostFields(bodyOf(object), fieldsOf(back(copy(target)), fromVersion));
  if (lost) data[fromVersion] = lost;
  else delete data[fromVersion];
  target.metadata = writeConversionData(object.metadata, annotation, data);
  return target;
}
