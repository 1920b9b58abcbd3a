import { CapstanError } from './errors.ts';
import type { PolicyRule } from './rbac.ts';
import type { ResourceDescriptor } from './resource.ts';

/** A write a controller makes to objects of a kind it owns. */
export type WriteVerb = 'create' | 'update' | 'patch' | 'delete';

/** A kind whose objects the controller creates and keeps in shape, linked by a controller ownerReference. */
export interface OwnsDeclaration {
  readonly resource: ResourceDescriptor;
  /**
   * The writes the controller makes to owned objects. `delete` is in the default because, with the
   * `OwnerReferencesPermissionEnforcement` admission plugin, setting an ownerReference requires it.
   */
  readonly writes: readonly WriteVerb[];
  /** The label selector (API string form) that scopes the cache of owned objects, e.g. `app.kubernetes.io/managed-by=capstan`. */
  readonly labelSelector?: string;
}

/** A further kind the controller reads and maps to keys of its primary kind (read only). */
export interface WatchDeclaration {
  readonly resource: ResourceDescriptor;
  readonly labelSelector?: string;
}

/**
 * A further kind a reconcile reads (`ctx.get`, `ctx.list`), cached by the manager in this scope, or (`live`) got
 * by name from the server on each read, for kinds one should not cache cluster-wide (Secrets). RBAC follows:
 * get, list and watch for a cached read; get only for a live one.
 */
export interface ReadDeclaration {
  readonly resource: ResourceDescriptor;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly live?: boolean;
}

/** What a controller writes besides owned objects. */
export interface WriteDeclaration {
  /** Status of the primary kind, through its `status` subresource. */
  readonly status: boolean;
  /** `events.k8s.io/v1` Events about the objects it reconciles. */
  readonly events: boolean;
  /** Finalizers on the primary kind (updates of the object's `metadata.finalizers`). */
  readonly finalizers: boolean;
}

/**
 * Everything a controller reads and writes, as plain data: enough to generate least-privilege RBAC, or to
 * review an operator, without starting anything.
 */
export interface ControllerDeclaration {
  /** The controller's name: the `controller` label of its metrics and logs. */
  readonly name: string;
  /** The primary kind: one reconcile per object of it. */
  readonly for: ResourceDescriptor;
  readonly owns: readonly OwnsDeclaration[];
  readonly watches: readonly WatchDeclaration[];
  readonly reads: readonly ReadDeclaration[];
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
 */
export interface WebhookDeclaration {
  readonly name: string;
  readonly for: ResourceDescriptor;
  readonly reads: readonly ReadDeclaration[];
}

/** The input of {@link declareController}: everything but `name` and `for` has a default. */
export interface ControllerDeclarationInput {
  name: string;
  for: ResourceDescriptor;
  owns?: ReadonlyArray<ResourceDescriptor | (Omit<OwnsDeclaration, 'writes'> & { writes?: readonly WriteVerb[] })>;
  watches?: ReadonlyArray<ResourceDescriptor | WatchDeclaration>;
  reads?: ReadonlyArray<ResourceDescriptor | ReadDeclaration>;
  writes?: Partial<WriteDeclaration>;
  rules?: readonly PolicyRule[];
}

/** A controller declaration that cannot be right; the message names the field to fix. */
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
