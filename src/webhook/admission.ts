import type { CacheReads, IndexedKind, ReadKind } from '../controller/index.ts';
import { Reads } from '../controller/reads.ts';
import { CapstanError, type Kind, type KubeObject, type Logger, silentLogger, type WebhookDeclaration } from '../core/index.ts';
import { jsonPatchBetween } from './json-patch-diff.ts';

/** The operation an admission request is for. */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** Who made the request, as the API server authenticated them. */
export interface AdmissionUserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** An `admission.k8s.io/v1` AdmissionReview, as the API server sends it and as it takes the answer. */
export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  request?: {
    uid: string;
    kind: { group: string; version: string; kind: string };
    resource: { group: string; version: string; resource: string };
    subResource?: string;
    name?: string;
    namespace?: string;
    operation: AdmissionOperation;
    userInfo: AdmissionUserInfo;
    object?: unknown;
    oldObject?: unknown;
    dryRun?: boolean;
    options?: unknown;
  };
  response?: {
    uid: string;
    allowed: boolean;
    status?: { code?: number; reason?: string; message?: string };
    patchType?: 'JSONPatch';
    /** Base64 of the JSON Patch. */
    patch?: string;
    warnings?: string[];
  };
}

/** What a handler gets: the object (and the old one, for an update or delete), the operation, the user. */
export interface AdmissionRequest<T extends KubeObject> {
  readonly operation: AdmissionOperation;
  /** The object as it would be stored; for a DELETE, the object being deleted (the API server sends it as `oldObject`). */
  readonly object: T;
  /** The object as it is stored, for an UPDATE (and a DELETE). */
  readonly oldObject: T | undefined;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly userInfo: AdmissionUserInfo;
  /**
   * True for a dry run (`kubectl apply --dry-run=server`): nothing will be stored, so a handler must not change
   * anything outside the object (a webhook declared with `sideEffects: 'None'` never does).
   */
  readonly dryRun: boolean;
  /** Aborted when the request's time is up (the webhook's `timeoutSeconds`) or the API server hangs up before the answer. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /**
   * The webhook's declared reads (`.reads(kind)` on its builder), from the manager's shared caches, by default in
   * the request's namespace: e.g. the other objects of the kind, to check that a value is unique.
   */
  readonly reads: CacheReads;
}

/** A refusal: `message` reaches the user verbatim (kubectl prints it), with the HTTP `code` (default 403) and `reason`. */
export interface Denial {
  readonly denied: true;
  readonly message: string;
  readonly code: number;
  readonly reason: string;
  readonly warnings: readonly string[];
}

/** What a validating handler returns: nothing (allowed), warnings (allowed, told to the user), or a {@link deny}. */
export type Verdict = void | undefined | { readonly warnings: readonly string[] } | Denial;

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

/** How the API server calls a webhook: the fields of its registration that the handler's author decides. */
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
  matchConditions?: ReadonlyArray<{ name: string; expression: string }>;
}

/** One handler of a {@link WebhookDefinition}, with its registration options. */
export interface AdmissionHandler<T extends KubeObject> {
  readonly type: 'validating' | 'mutating';
  readonly options: Required<Pick<WebhookOptions, 'operations' | 'failurePolicy' | 'timeoutSeconds' | 'sideEffects'>> &
    Pick<WebhookOptions, 'matchConditions'>;
  /** A validating handler's verdict, or a mutating handler's new object. (A method, so that a list of definitions of different kinds type-checks.) */
  handle(request: AdmissionRequest<T>): Promise<Verdict | T>;
}

/** The admission webhooks of one kind: at most one validating and one mutating handler. */
export interface WebhookDefinition<T extends KubeObject = KubeObject> {
  readonly kind: Kind<T>;
  readonly validating: AdmissionHandler<T> | undefined;
  readonly mutating: AdmissionHandler<T> | undefined;
  /** What the handlers read from the manager's caches (the same declarations as a controller's `.reads`). */
  readonly readKinds: readonly ReadKind[];
  /** The field indexes they declared. */
  readonly indexedKinds: readonly IndexedKind[];
  /** The reads as plain data, for the generated RBAC (`capstan generate` grants them). */
  readonly declaration: WebhookDeclaration;
}

/** A webhook declaration that cannot be right; the message names what to fix. */
export class WebhookError extends CapstanError<'INVALID_WEBHOOK'> {}

/** Builds a {@link WebhookDefinition}; each call returns a new builder. */
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
 * returns. A handler that throws refuses the request (code 500) with its message.
 */
export async function review<T extends KubeObject>(
  handler: AdmissionHandler<T>,
  body: AdmissionReview,
  options: { signal: AbortSignal; log?: Logger; reads?: Reads },
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

/** The path a kind's handler is served at, as Kubebuilder names it: `/validate-apps-example-com-v1alpha1-webapp`. */
export function webhookPath(type: 'validating' | 'mutating', kind: Kind): string {
  const group = kind.group === '' ? 'core' : kind.group.replaceAll('.', '-');
  return `/${type === 'validating' ? 'validate' : 'mutate'}-${group}-${kind.version}-${kind.kind.toLowerCase()}`;
}
