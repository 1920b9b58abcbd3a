import type { CacheReads, DeclaredReads, IndexedKind, ReadKind } from '../controller/index.ts';
import { Reads } from '../controller/reads.ts';
import { CapstanError, type Kind, type KubeObject, type Logger, silentLogger, type WebhookDeclaration } from '../core/index.ts';
import { jsonPatchBetween } from './json-patch-diff.ts';

/**
 * The operation an admission request is for. `CONNECT` is `kubectl exec`, `attach` and `port-forward` on Pods
 * (and other connect subresources).
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { type AdmissionOperation, deny, webhook } from 'capstan/webhook';
 * const operations: AdmissionOperation[] = ['UPDATE', 'DELETE'];
 * export const protectedConfigMaps = webhook(ConfigMap).validate(
 *   ({ operation, oldObject }) =>
 *     oldObject?.metadata.labels?.['example.com/protected'] === 'true' ? deny(`${operation} of a protected ConfigMap is refused`) : undefined,
 *   { operations },
 * );
 * ```
 */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/**
 * Who made the request, as the API server authenticated them (`authentication.k8s.io/v1` UserInfo).
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { type AdmissionUserInfo, deny, webhook } from 'capstan/webhook';
 * const isPlatformTeam = (user: AdmissionUserInfo): boolean => user.groups?.includes('platform-team') ?? false;
 * export const platformOnly = webhook(ConfigMap).validate(({ userInfo }) =>
 *   isPlatformTeam(userInfo) ? undefined : deny(`${userInfo.username ?? 'this user'} may not change platform ConfigMaps`),
 * );
 * ```
 */
export interface AdmissionUserInfo {
  /** The user's name (`alice`, `system:serviceaccount:<namespace>:<name>`). */
  username?: string;
  /** A unique identifier of the user, stabler than the name. */
  uid?: string;
  /** The groups the user is in (`system:authenticated`, `system:serviceaccounts:<namespace>`, …). */
  groups?: string[];
  /** Further information the authenticator provided. */
  extra?: Record<string, string[]>;
}

/**
 * An `admission.k8s.io/v1` AdmissionReview, as the API server sends it and as it takes the answer. Handlers never
 * see it: they get an {@link AdmissionRequest}.
 *
 * @noExample The wire format; {@link review}'s example builds one, as a handler's test does.
 */
export interface AdmissionReview {
  /** Always `admission.k8s.io/v1` (the only version Capstan registers). */
  apiVersion: 'admission.k8s.io/v1';
  /** Always `AdmissionReview`. */
  kind: 'AdmissionReview';
  /** What the API server asks; absent in an answer. */
  request?: {
    /** Identifies this request; the answer carries it back. */
    uid: string;
    /** The kind of the object, in the version the webhook is registered for. */
    kind: {
      /** The API group; `''` for the core group. */
      group: string;
      /** The version (`v1`). */
      version: string;
      /** The kind (`ConfigMap`). */
      kind: string;
    };
    /** The resource requested. */
    resource: {
      /** The API group; `''` for the core group. */
      group: string;
      /** The version (`v1`). */
      version: string;
      /** The resource, plural (`configmaps`). */
      resource: string;
    };
    /** The subresource requested (`status`, `scale`), if any. */
    subResource?: string;
    /** The object's name; absent on a create whose name the server generates. */
    name?: string;
    /** The object's namespace; absent for cluster-scoped objects. */
    namespace?: string;
    /** The operation requested. */
    operation: AdmissionOperation;
    /** Who asked. */
    userInfo: AdmissionUserInfo;
    /** The object as it would be stored (CREATE, UPDATE); null for a DELETE. */
    object?: unknown;
    /** The object as stored (UPDATE, DELETE). */
    oldObject?: unknown;
    /** True when nothing will be stored. */
    dryRun?: boolean;
    /** The operation's options (`CreateOptions`, `UpdateOptions`, `DeleteOptions`). */
    options?: unknown;
  };
  /** The webhook's answer; absent in a request. */
  response?: {
    /** The request's `uid`. */
    uid: string;
    /** Whether the request may proceed. */
    allowed: boolean;
    /** Why it was refused: what the client sees. */
    status?: {
      /** The HTTP status code the client gets (403 by default). */
      code?: number;
      /** A CamelCase reason (`Forbidden`). */
      reason?: string;
      /** The message shown to the user. */
      message?: string;
    };
    /** Set with `patch`: a mutating webhook's changes. */
    patchType?: 'JSONPatch';
    /** Base64 of the JSON Patch. */
    patch?: string;
    /** Warnings shown to the user (`kubectl` prints them), even when the request is allowed. */
    warnings?: string[];
  };
}

/**
 * What a handler gets: the object (and the old one, for an update or delete), the operation, the user.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { type AdmissionRequest, deny, webhook } from 'capstan/webhook';
 * function ownerIsImmutable({ object, oldObject, log }: AdmissionRequest<ConfigMap>) {
 *   if (oldObject === undefined || object.data?.['owner'] === oldObject.data?.['owner']) return undefined;
 *   log.info({ name: object.metadata.name }, 'refused a change of data.owner');
 *   return deny('data.owner cannot change: create a new ConfigMap instead');
 * }
 * export const configMaps = webhook(ConfigMap).validate(ownerIsImmutable);
 * ```
 */
export interface AdmissionRequest<T extends KubeObject> {
  /** What is being done to the object. */
  readonly operation: AdmissionOperation;
  /** The object as it would be stored; for a DELETE, the object being deleted (the API server sends it as `oldObject`). */
  readonly object: T;
  /** The object as it is stored, for an UPDATE (and a DELETE). */
  readonly oldObject: T | undefined;
  /** The request's namespace; undefined for a cluster-scoped kind. */
  readonly namespace: string | undefined;
  /** The object's name; undefined on a create with `generateName` (the server has not chosen it yet). */
  readonly name: string | undefined;
  /** Who made the request. */
  readonly userInfo: AdmissionUserInfo;
  /**
   * True for a dry run (`kubectl apply --dry-run=server`): nothing will be stored, so a handler must not change
   * anything outside the object (a webhook declared with `sideEffects: 'None'` never does).
   */
  readonly dryRun: boolean;
  /** Aborted when the request's time is up (the webhook's `timeoutSeconds`) or the API server hangs up before the answer. */
  readonly signal: AbortSignal;
  /** The webhook server's logger; silent when it was given none. */
  readonly log: Logger;
  /**
   * The webhook's declared reads (`.reads(kind)` on its builder), from the manager's shared caches, by default in
   * the request's namespace: e.g. the other objects of the kind, to check that a value is unique.
   */
  readonly reads: CacheReads;
}

/**
 * A refusal: `message` reaches the user verbatim (kubectl prints it), with the HTTP `code` (default 403) and `reason`.
 *
 * @noExample What {@link deny} returns; its example shows one.
 */
export interface Denial {
  /** Always true: how a denial is told from an object or warnings. */
  readonly denied: true;
  /** Shown to the user as it is. */
  readonly message: string;
  /** The HTTP status code the client gets. */
  readonly code: number;
  /** A CamelCase reason (`Forbidden`), in the Status the client gets. */
  readonly reason: string;
  /** Warnings sent with the refusal. */
  readonly warnings: readonly string[];
}

/**
 * What a validating handler returns: nothing (allowed), warnings (allowed, told to the user), or a {@link deny}.
 *
 * @example
 * ```ts
 * import type { ConfigMap } from 'capstan';
 * import { deny, type Verdict } from 'capstan/webhook';
 * function check(object: ConfigMap): Verdict {
 *   if (object.data?.['password'] !== undefined) return deny('put passwords in a Secret, not a ConfigMap');
 *   if (object.metadata.labels?.['team'] === undefined) return { warnings: ['no team label: nobody owns this ConfigMap'] };
 *   return undefined;
 * }
 * ```
 */
export type Verdict =
  | void
  | undefined
  | {
      /** Allowed, with these warnings for the user (`kubectl` prints them). */
      readonly warnings: readonly string[];
    }
  | Denial;

/**
 * Refuse an admission request with a message the user sees as it is (`kubectl` prints `admission webhook "…"
 * denied the request: <message>`).
 *
 * @example
 * ```ts
 * import { deny } from 'capstan/webhook';
 * const verdict = deny('spec.port 8080 is exposed by WebApp shop already');
 * console.log(verdict.code, verdict.reason); // 403 'Forbidden'
 * ```
 */
export function deny(message: string, options: { code?: number; reason?: string; warnings?: readonly string[] } = {}): Denial {
  return { denied: true, message, code: options.code ?? 403, reason: options.reason ?? 'Forbidden', warnings: options.warnings ?? [] };
}

/**
 * How the API server calls a webhook: the fields of its registration that the handler's author decides.
 *
 * @example
 * ```ts
 * import { Secret } from 'capstan';
 * import { deny, webhook, type WebhookOptions } from 'capstan/webhook';
 * const options: WebhookOptions = {
 *   operations: ['CREATE'],
 *   failurePolicy: 'Ignore', // an outage of the operator must not block every Secret of the cluster
 *   timeoutSeconds: 3,
 *   matchConditions: [{ name: 'not-a-system-user', expression: "!request.userInfo.username.startsWith('system:')" }],
 * };
 * export const secrets = webhook(Secret).validate(
 *   ({ object }) => (object.metadata.labels?.['team'] ? undefined : deny('label every Secret with the team that owns it')),
 *   options,
 * );
 * ```
 */
export interface WebhookOptions {
  /** The operations that reach the handler; default CREATE and UPDATE. */
  operations?: readonly AdmissionOperation[];
  /** What the API server does when the webhook cannot be reached or fails: `Fail` (default) refuses the write, `Ignore` lets it pass. */
  failurePolicy?: 'Fail' | 'Ignore';
  /** How long the API server waits, 1–30 s; default 10. The handler's signal aborts then. */
  timeoutSeconds?: number;
  /** `None` (default): the handler changes nothing outside the object, so dry runs call it too. */
  sideEffects?: 'None' | 'NoneOnDryRun';
  /** CEL conditions the request must meet to be sent at all (`admissionregistration.k8s.io/v1` MatchCondition). */
  matchConditions?: ReadonlyArray<{
    /** Names the condition in errors; unique within the webhook. */
    name: string;
    /** A CEL expression over `request`, `object`, `oldObject` and `authorizer`; the request is sent when it is true. */
    expression: string;
  }>;
}

/**
 * One handler of a {@link WebhookDefinition}, with its registration options.
 *
 * @noExample Made by {@link WebhookBuilder.validate} and {@link WebhookBuilder.mutate}; {@link review}'s example calls one.
 */
export interface AdmissionHandler<T extends KubeObject> {
  /** Which webhook configuration it is registered in. */
  readonly type: 'validating' | 'mutating';
  /** Its registration options, with the defaults filled in. */
  readonly options: Required<Pick<WebhookOptions, 'operations' | 'failurePolicy' | 'timeoutSeconds' | 'sideEffects'>> &
    Pick<WebhookOptions, 'matchConditions'>;
  /** A validating handler's verdict, or a mutating handler's new object. (A method, so that a list of definitions of different kinds type-checks.) */
  handle(request: AdmissionRequest<T>): Promise<Verdict | T>;
}

/**
 * The admission webhooks of one kind: at most one validating and one mutating handler. Give it to
 * `manager.add`, {@link serveWebhooks} and {@link webhookConfigurations}.
 *
 * @noExample What {@link webhook} builds; its example declares one.
 */
export interface WebhookDefinition<T extends KubeObject = KubeObject> {
  /** The kind whose objects the handlers admit. */
  readonly kind: Kind<T>;
  /** The validating handler, if declared. */
  readonly validating: AdmissionHandler<T> | undefined;
  /** The mutating (defaulting) handler, if declared. */
  readonly mutating: AdmissionHandler<T> | undefined;
  /** What the handlers read from the manager's caches (the same declarations as a controller's `.reads`). */
  readonly readKinds: readonly ReadKind[];
  /** The field indexes they declared. */
  readonly indexedKinds: readonly IndexedKind[];
  /** The reads as plain data, for the generated RBAC (`capstan generate` grants them). */
  readonly declaration: WebhookDeclaration;
}

/**
 * A webhook or conversion declaration that cannot be right, or a review without a request; the message names what
 * to fix. Declarations throw it as they are made, so a bad one fails at import.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { webhook, WebhookError } from 'capstan/webhook';
 * try {
 *   webhook(ConfigMap).validate(() => undefined, { timeoutSeconds: 60 });
 * } catch (err) {
 *   if (err instanceof WebhookError) console.log(err.code, err.message); // 'INVALID_WEBHOOK' 'validating webhook: timeoutSeconds 60 is not …'
 * }
 * ```
 */
export class WebhookError extends CapstanError<'INVALID_WEBHOOK'> {}

/**
 * Builds a {@link WebhookDefinition}; each call returns a new builder, and the builder is itself a definition.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { deny, webhook } from 'capstan/webhook';
 * const route = (cm: ConfigMap): string[] => (cm.data?.['route'] ? [cm.data['route']] : []);
 * // No two ConfigMaps of a namespace may claim one route: read the others from the cache, by index.
 * export const routes = webhook(ConfigMap)
 *   .reads(ConfigMap)
 *   .index(ConfigMap, 'route', route)
 *   .validate(async ({ object, namespace, reads }) => {
 *     const [claimed] = route(object);
 *     if (claimed === undefined) return undefined;
 *     const others = (await reads.list(ConfigMap, { namespace, index: { name: 'route', value: claimed } })).filter(
 *       (other) => other.metadata.name !== object.metadata.name,
 *     );
 *     return others.length > 0 ? deny(`route ${claimed} is claimed by ConfigMap ${others[0]?.metadata.name}`) : undefined;
 *   });
 * ```
 */
export interface WebhookBuilder<T extends KubeObject> extends WebhookDefinition<T> {
  /**
   * Validate objects of the kind: return nothing to allow, `{ warnings }` to allow with warnings, or `deny(message)`.
   * A handler that throws refuses the request with its message (code 500).
   */
  validate(handler: (request: AdmissionRequest<T>) => Verdict | Promise<Verdict>, options?: WebhookOptions): WebhookBuilder<T>;
  /**
   * Default or change objects of the kind: return the object as it should be stored (a copy, changed);
   * Capstan sends the JSON Patch from the request's object to it. Runs before every validating webhook.
   */
  mutate(handler: (request: AdmissionRequest<T>) => T | Promise<T>, options?: WebhookOptions): WebhookBuilder<T>;
  /**
   * Let the handlers read `kind` (`request.reads.get`, `.list`) from a cache the manager shares with its controllers
   * (the same scopes as a controller's `.reads`; `live: true` gets single objects from the server).
   */
  reads(kind: Kind, options?: Omit<ReadKind, 'kind'>): WebhookBuilder<T>;
  /** A field index on `kind`'s caches (`kind` must be read), e.g. the WebApps by exposed port. */
  index<K extends KubeObject>(kind: Kind<K>, name: string, fn: (object: K) => readonly string[]): WebhookBuilder<T>;
}

function settled(type: 'validating' | 'mutating', options: WebhookOptions): AdmissionHandler<KubeObject>['options'] {
  const timeoutSeconds = options.timeoutSeconds ?? 10;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 30) {
    throw new WebhookError('INVALID_WEBHOOK', `${type} webhook: timeoutSeconds ${timeoutSeconds} is not a whole number from 1 to 30`);
  }
  const operations = options.operations ?? ['CREATE', 'UPDATE'];
  if (operations.length === 0) throw new WebhookError('INVALID_WEBHOOK', `${type} webhook: operations is empty; list the ones it handles`);
  return {
    operations,
    failurePolicy: options.failurePolicy ?? 'Fail',
    timeoutSeconds,
    sideEffects: options.sideEffects ?? 'None',
    ...(options.matchConditions ? { matchConditions: options.matchConditions } : {}),
  };
}

/**
 * Start declaring the admission webhooks of a kind, as controller-runtime's `NewWebhookManagedBy(mgr).For(…)`:
 * a validating handler, a mutating (defaulting) one, or both, typed by the kind. Serve them with
 * `serveWebhooks`; register them with `webhookConfigurations`.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { deny, webhook } from 'capstan/webhook';
 * export const configMapWebhooks = webhook(ConfigMap)
 *   .mutate(({ object }) => ({ ...object, metadata: { ...object.metadata, labels: { team: 'web', ...object.metadata.labels } } }))
 *   .validate(({ object }) => (object.data?.['password'] ? deny('put passwords in a Secret, not a ConfigMap') : undefined));
 * ```
 */
export function webhook<T extends KubeObject>(kind: Kind<T>): WebhookBuilder<T> {
  interface State {
    validating: AdmissionHandler<T> | undefined;
    mutating: AdmissionHandler<T> | undefined;
    readKinds: readonly ReadKind[];
    indexedKinds: readonly IndexedKind[];
  }
  const build = (state: State): WebhookBuilder<T> => ({
    kind,
    ...state,
    declaration: Object.freeze({
      name: `webhook-${kind.kind.toLowerCase()}`,
      for: kind,
      reads: state.readKinds.map((r) => ({
        resource: r.kind,
        ...(r.namespace === undefined ? {} : { namespace: r.namespace }),
        ...(r.labelSelector === undefined ? {} : { labelSelector: r.labelSelector }),
        ...(r.fieldSelector === undefined ? {} : { fieldSelector: r.fieldSelector }),
        ...(r.live ? { live: true } : {}),
      })),
    }),
    validate: (handler, options = {}) =>
      build({
        ...state,
        validating: { type: 'validating', options: settled('validating', options), handle: async (request) => handler(request) },
      }),
    mutate: (handler, options = {}) =>
      build({
        ...state,
        mutating: { type: 'mutating', options: settled('mutating', options), handle: async (request) => handler(request) },
      }),
    reads: (read, options = {}) => build({ ...state, readKinds: [...state.readKinds, { kind: read, ...options }] }),
    index: (indexed, name, fn) => {
      if (!state.readKinds.some((r) => r.kind.group === indexed.group && r.kind.kind === indexed.kind)) {
        throw new WebhookError(
          'INVALID_WEBHOOK',
          `webhook(${kind.kind}): .index(${indexed.kind}, '${name}') on a kind it does not read: add .reads(${indexed.kind}) first`,
        );
      }
      return build({ ...state, indexedKinds: [...state.indexedKinds, { kind: indexed, name, fn: fn as IndexedKind['fn'] }] });
    },
  });
  return build({ validating: undefined, mutating: undefined, readKinds: [], indexedKinds: [] });
}

/** The reads of a handler served without any (outside a manager): every read is refused, naming `.reads` to add. */
const noReads = new Reads('webhook', [], () => {
  throw new WebhookError('INVALID_WEBHOOK', 'this webhook declares no reads');
});

function isDenial(value: unknown): value is Denial {
  return typeof value === 'object' && value !== null && (value as { denied?: unknown }).denied === true;
}

/**
 * Answer one AdmissionReview with `handler`: its verdict, or for a mutating handler the JSON Patch to the object it
 * returns. A handler that throws refuses the request (code 500) with its message. What the webhook server does for
 * each request; call it to test a handler through a real AdmissionReview, without a server. Throws
 * {@link WebhookError} for a review without a request.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { type AdmissionReview, deny, review, webhook } from 'capstan/webhook';
 * const configMaps = webhook(ConfigMap).validate(({ object }) => (object.data?.['password'] ? deny('no passwords') : undefined));
 * const request: AdmissionReview = {
 *   apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
 *   request: {
 *     uid: 'u-1', operation: 'CREATE', userInfo: { username: 'alice' }, namespace: 'default', name: 'c',
 *     kind: { group: '', version: 'v1', kind: 'ConfigMap' }, resource: { group: '', version: 'v1', resource: 'configmaps' },
 *     object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { password: 'x' } },
 *   },
 * };
 * const answer = await review(configMaps.validating!, request, { signal: AbortSignal.timeout(10_000) });
 * console.log(answer.response?.allowed, answer.response?.status?.message); // false 'no passwords'
 * ```
 */
export async function review<T extends KubeObject>(
  handler: AdmissionHandler<T>,
  body: AdmissionReview,
  options: { signal: AbortSignal; log?: Logger; reads?: DeclaredReads },
): Promise<AdmissionReview> {
  const request = body.request;
  if (!request) throw new WebhookError('INVALID_WEBHOOK', 'the AdmissionReview has no request');
  const object = (request.operation === 'DELETE' ? request.oldObject : request.object) as T;
  const answer = (response: Omit<NonNullable<AdmissionReview['response']>, 'uid'>): AdmissionReview => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: request.uid, ...response },
  });
  let result: Verdict | T;
  try {
    result = await handler.handle({
      operation: request.operation,
      object,
      oldObject: request.oldObject as T | undefined,
      namespace: request.namespace,
      name: request.name,
      userInfo: request.userInfo,
      dryRun: request.dryRun === true,
      signal: options.signal,
      log: options.log ?? silentLogger,
      reads: (options.reads ?? noReads).for(request.namespace),
    });
  } catch (err) {
    return answer({
      allowed: false,
      status: { code: 500, reason: 'InternalError', message: err instanceof Error ? err.message : String(err) },
    });
  }
  if (isDenial(result)) {
    return answer({
      allowed: false,
      status: { code: result.code, reason: result.reason, message: result.message },
      ...(result.warnings.length > 0 ? { warnings: [...result.warnings] } : {}),
    });
  }
  if (handler.type === 'validating') {
    const warnings = (result as { warnings?: readonly string[] } | undefined)?.warnings ?? [];
    return answer({ allowed: true, ...(warnings.length > 0 ? { warnings: [...warnings] } : {}) });
  }
  const patch = jsonPatchBetween(request.object, result);
  if (patch.length === 0) return answer({ allowed: true });
  return answer({ allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') });
}

/**
 * The path a kind's handler is served at, as Kubebuilder names it: `/validate-apps-example-com-v1alpha1-webapp`.
 * The core group is `core`.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { webhookPath } from 'capstan/webhook';
 * console.log(webhookPath('validating', ConfigMap), webhookPath('mutating', ConfigMap)); // '/validate-core-v1-configmap' '/mutate-core-v1-configmap'
 * ```
 */
export function webhookPath(type: 'validating' | 'mutating', kind: Kind): string {
  const group = kind.group === '' ? 'core' : kind.group.replaceAll('.', '-');
  return `/${type === 'validating' ? 'validate' : 'mutate'}-${group}-${kind.version}-${kind.kind.toLowerCase()}`;
}
