import { CapstanError } from './errors.ts';
import type { PolicyRule } from './rbac.ts';
import type { ResourceDescriptor } from './resource.ts';

/**
 * A write a controller makes to objects of a kind it owns; each becomes an RBAC verb on that kind.
 *
 * @noExample The verbs of {@link OwnsDeclaration.writes}; the example of {@link declareController} shows the default.
 */
export type WriteVerb = 'create' | 'update' | 'patch' | 'delete';

/**
 * A kind whose objects the controller creates and keeps in shape, linked by a controller ownerReference: a
 * change of one enqueues its owner. RBAC: get, list and watch, and the `writes`.
 *
 * @noExample One entry of {@link ControllerDeclaration.owns}; the example of {@link declareController} declares one.
 */
export interface OwnsDeclaration {
  /** The owned kind. */
  readonly resource: ResourceDescriptor;
  /**
   * The writes the controller makes to owned objects. `delete` is in the default because, with the
   * `OwnerReferencesPermissionEnforcement` admission plugin, setting an ownerReference requires it.
   */
  readonly writes: readonly WriteVerb[];
  /** The label selector (API string form) that scopes the cache of owned objects, e.g. `app.kubernetes.io/managed-by=capstan`. */
  readonly labelSelector?: string;
}

/**
 * A further kind the controller watches and maps to keys of its primary kind (read only: RBAC get, list and
 * watch).
 *
 * @noExample One entry of {@link ControllerDeclaration.watches}; given to {@link declareController} as `watches`.
 */
export interface WatchDeclaration {
  /** The watched kind. */
  readonly resource: ResourceDescriptor;
  /** The label selector (API string form) that scopes the watch's cache. */
  readonly labelSelector?: string;
}

/**
 * A further kind a reconcile reads (`ctx.get`, `ctx.list`), cached by the manager in this scope, or (`live`) got
 * by name from the server on each read, for kinds one should not cache cluster-wide (Secrets). RBAC follows:
 * get, list and watch for a cached read; get only for a live one.
 *
 * @noExample One entry of {@link ControllerDeclaration.reads}; the controller builder's `.reads(kind, scope)` makes it.
 */
export interface ReadDeclaration {
  /** The kind read. */
  readonly resource: ResourceDescriptor;
  /** Cache only this namespace; left out, every namespace the operator watches. */
  readonly namespace?: string;
  /** Cache only objects that match this label selector (API string form). */
  readonly labelSelector?: string;
  /** Cache only objects that match this field selector (API string form, e.g. `metadata.name=settings`). */
  readonly fieldSelector?: string;
  /** Get each object from the server when it is read instead of caching the kind; RBAC then grants `get` only. */
  readonly live?: boolean;
}

/**
 * What a controller writes besides owned objects; each `true` adds the RBAC rule the write needs.
 *
 * @noExample Part of {@link ControllerDeclaration}; given to {@link declareController} as `writes`, all optional.
 */
export interface WriteDeclaration {
  /** Status of the primary kind, through its `status` subresource. */
  readonly status: boolean;
  /** `events.k8s.io/v1` Events about the objects it reconciles. */
  readonly events: boolean;
  /** Finalizers on the primary kind (JSON patches of the object's `metadata.finalizers`: RBAC `patch`). */
  readonly finalizers: boolean;
}

/**
 * Everything a controller reads and writes, as frozen plain data: enough to generate least-privilege RBAC, or to
 * review an operator, without starting anything.
 *
 * @noExample Made by {@link declareController} (whose example shows one), or by the controller builder as a
 * definition's `declaration`.
 */
export interface ControllerDeclaration {
  /** The controller's name: the `controller` label of its metrics and logs. */
  readonly name: string;
  /** The primary kind: one reconcile per object of it. */
  readonly for: ResourceDescriptor;
  /** Kinds it creates and controls; a change of one enqueues its owner. */
  readonly owns: readonly OwnsDeclaration[];
  /** Further kinds whose changes it maps to keys of `for`. */
  readonly watches: readonly WatchDeclaration[];
  /** Further kinds its reconciles read. */
  readonly reads: readonly ReadDeclaration[];
  /** Status, events and finalizers it writes. */
  readonly writes: WriteDeclaration;
  /**
   * Further RBAC rules for what the controller does beyond its declared kinds (a Pod it execs into, a
   * TokenReview it creates, a ConfigMap it reads by name): granted as given, next to the derived ones.
   */
  readonly rules: readonly PolicyRule[];
}

/**
 * What an admission webhook reads, as plain data for the generated RBAC: the handlers of `for`'s webhooks read
 * `reads` from the manager's caches (get, list and watch; get only for a live read).
 *
 * @noExample Made by the webhook builder of `capstan/webhook` as its `declaration`; `capstan generate` reads it.
 */
export interface WebhookDeclaration {
  /** Names the webhook; the builder's is `webhook-<kind in lower case>`. */
  readonly name: string;
  /** The kind whose admission requests the webhook's handlers judge. */
  readonly for: ResourceDescriptor;
  /** Further kinds the handlers read. */
  readonly reads: readonly ReadDeclaration[];
}

/**
 * The input of {@link declareController}: everything but `name` and `for` has a default, and a bare
 * {@link ResourceDescriptor} stands for a declaration of that kind with the defaults.
 *
 * @noExample Options of {@link declareController}; its example shows them in use.
 */
export interface ControllerDeclarationInput {
  /** The controller's name (non-empty): the `controller` label of its metrics and logs. */
  name: string;
  /** The primary kind: one reconcile per object of it. */
  for: ResourceDescriptor;
  /** Kinds it creates and controls; each is written with every {@link WriteVerb} unless `writes` says less. */
  owns?: ReadonlyArray<
    | ResourceDescriptor
    | (Omit<OwnsDeclaration, 'writes'> & {
        /** The writes made to owned objects; default all four. */
        writes?: readonly WriteVerb[];
      })
  >;
  /** Further kinds whose changes map to keys of `for`; none by default. */
  watches?: ReadonlyArray<ResourceDescriptor | WatchDeclaration>;
  /** Further kinds its reconciles read; none by default. Each kind once per scope. */
  reads?: ReadonlyArray<ResourceDescriptor | ReadDeclaration>;
  /** Default: status and events written, no finalizers. */
  writes?: Partial<WriteDeclaration>;
  /** Further RBAC rules, granted as given; a wildcard or an empty list is refused. None by default. */
  rules?: readonly PolicyRule[];
}

/**
 * A controller declaration that cannot be right (`INVALID_DECLARATION`): an empty name, an incomplete resource
 * descriptor, a kind owned, watched or read twice in the same scope, a wildcard RBAC rule. The message names
 * the field to fix; it is thrown when the controller is declared, not at its first request.
 *
 * @example
 * ```ts
 * import { DeclarationError, declareController } from 'capstan/core';
 * const ConfigMap = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
 * try {
 *   declareController({ name: 'cm', for: ConfigMap, rules: [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }] });
 * } catch (err) {
 *   if (err instanceof DeclarationError) console.log(err.message); // '… resources has the wildcard '*'; …'
 * }
 * ```
 */
export class DeclarationError extends CapstanError<'INVALID_DECLARATION'> {}

const allWrites: readonly WriteVerb[] = ['create', 'update', 'patch', 'delete'];

function isDescriptor(value: object): value is ResourceDescriptor {
  return 'kind' in value && 'plural' in value;
}

function groupKind(resource: ResourceDescriptor): string {
  return resource.group === '' ? resource.kind : `${resource.kind}.${resource.group}`;
}

/**
 * Normalise what a controller declares into a frozen {@link ControllerDeclaration}: defaults filled in
 * (status and events written, no finalizers, owned kinds written with every verb), kinds checked for
 * duplicates, so that a mistake shows where it is made instead of as a 403 at run time.
 *
 * @example
 * ```ts
 * import { declareController, type ResourceDescriptor } from 'capstan/core';
 * const HelloWorld: ResourceDescriptor = { group: 'apps.example.com', version: 'v1alpha1', kind: 'HelloWorld', plural: 'helloworlds', namespaced: true };
 * const ConfigMap: ResourceDescriptor = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
 * const declaration = declareController({
 *   name: 'helloworld',
 *   for: HelloWorld,
 *   owns: [{ resource: ConfigMap, labelSelector: 'app.kubernetes.io/managed-by=capstan' }],
 * });
 * console.log(declaration.owns[0]?.writes); // ['create', 'update', 'patch', 'delete']
 * ```
 */
export function declareController(input: ControllerDeclarationInput): ControllerDeclaration {
  if (!input.name.trim())
    throw new DeclarationError('INVALID_DECLARATION', 'a controller needs a non-empty name (it labels its metrics and logs)');
  checkResource(input.name, 'for', input.for);
  const owns = (input.owns ?? []).map((entry, i): OwnsDeclaration => {
    const declared = isDescriptor(entry) ? { resource: entry } : entry;
    checkResource(input.name, `owns[${i}]`, declared.resource);
    const writes = [...new Set(declared.writes ?? allWrites)];
    return Object.freeze({ ...declared, writes: Object.freeze(writes) });
  });
  const watches = (input.watches ?? []).map((entry, i): WatchDeclaration => {
    const declared = isDescriptor(entry) ? { resource: entry } : entry;
    checkResource(input.name, `watches[${i}]`, declared.resource);
    return Object.freeze({ ...declared });
  });
  const reads = (input.reads ?? []).map((entry, i): ReadDeclaration => {
    const declared = isDescriptor(entry) ? { resource: entry } : entry;
    checkResource(input.name, `reads[${i}]`, declared.resource);
    return Object.freeze({ ...declared });
  });
  const readScopes = new Set<string>();
  for (const r of reads) {
    const scope = JSON.stringify([groupKind(r.resource), r.namespace, r.labelSelector, r.fieldSelector, r.live === true]);
    if (readScopes.has(scope)) {
      throw new DeclarationError(
        'INVALID_DECLARATION',
        `controller "${input.name}": ${groupKind(r.resource)} is read twice in the same scope; declare it once`,
      );
    }
    readScopes.add(scope);
  }
  rejectDuplicates(
    input.name,
    'owns',
    owns.map((o) => o.resource),
  );
  rejectDuplicates(
    input.name,
    'watches',
    watches.map((w) => w.resource),
  );
  return Object.freeze({
    name: input.name,
    for: input.for,
    owns: Object.freeze(owns),
    watches: Object.freeze(watches),
    reads: Object.freeze(reads),
    writes: Object.freeze({ status: true, events: true, finalizers: false, ...input.writes }),
    rules: Object.freeze((input.rules ?? []).map((rule, i) => checkRule(input.name, i, rule))),
  });
}

/** A further rule as given, checked: every list non-empty, no wildcard (least privilege: name what is needed). */
function checkRule(controller: string, index: number, rule: PolicyRule): PolicyRule {
  const where = `controller "${controller}": rbac rule ${index}`;
  for (const field of ['apiGroups', 'resources', 'verbs'] as const) {
    const values = rule[field];
    if (!Array.isArray(values) || values.length === 0) {
      throw new DeclarationError(
        'INVALID_DECLARATION',
        `${where}: ${field} is empty; list what the rule grants (use [''] for the core group)`,
      );
    }
    if (values.includes('*')) {
      throw new DeclarationError(
        'INVALID_DECLARATION',
        `${where}: ${field} has the wildcard '*'; list the ${field} the operator needs (least privilege)`,
      );
    }
  }
  if (rule.resourceNames?.length === 0) {
    throw new DeclarationError('INVALID_DECLARATION', `${where}: resourceNames is empty; leave it out to grant every name`);
  }
  return Object.freeze({
    apiGroups: [...rule.apiGroups],
    resources: [...rule.resources],
    verbs: [...rule.verbs],
    ...(rule.resourceNames ? { resourceNames: [...rule.resourceNames] } : {}),
  });
}

function checkResource(controller: string, field: string, resource: ResourceDescriptor): void {
  for (const key of ['version', 'kind', 'plural'] as const) {
    if (!resource[key]) {
      throw new DeclarationError(
        'INVALID_DECLARATION',
        `controller "${controller}": ${field}.${key} is empty; give the full resource descriptor`,
      );
    }
  }
  if (resource.plural !== resource.plural.toLowerCase()) {
    throw new DeclarationError(
      'INVALID_DECLARATION',
      `controller "${controller}": ${field}.plural "${resource.plural}" must be lower case, as in URLs and RBAC rules`,
    );
  }
}

function rejectDuplicates(controller: string, field: string, resources: readonly ResourceDescriptor[]): void {
  const seen = new Set<string>();
  for (const resource of resources) {
    const key = groupKind(resource);
    if (seen.has(key)) {
      throw new DeclarationError(
        'INVALID_DECLARATION',
        `controller "${controller}": ${key} appears twice in ${field}; declare each kind once`,
      );
    }
    seen.add(key);
  }
}

/**
 * The name of the Service through which the API server reaches an operator's webhooks: what `capstan generate`
 * writes and the manager's managed certificate covers by default (`--webhook-service`).
 *
 * @example
 * ```ts
 * import { webhookServiceName } from 'capstan/core';
 * webhookServiceName('web-app-operator'); // 'web-app-operator-webhook-service'
 * ```
 */
export function webhookServiceName(operator: string): string {
  return `${operator}-webhook-service`;
}

/**
 * The name of the Secret an operator's manager keeps its webhook certificates in (`--webhook-cert-secret`, as
 * `capstan generate` writes it).
 *
 * @example
 * ```ts
 * import { webhookCertificateSecretName } from 'capstan/core';
 * webhookCertificateSecretName('web-app-operator'); // 'web-app-operator-webhook-certs'
 * ```
 */
export function webhookCertificateSecretName(operator: string): string {
  return `${operator}-webhook-certs`;
}
