// What the control-plane fault scenarios (kube-apiserver paused or killed, etcd killed, etcd compacted) need
// beyond the rig: the operator's retry loops and how many requests each may start in an outage (the bound of
// "no request storm"), the operator's requests in the audit log sorted by what they are for, a probe polled
// through an outage, and an admin change retried until the control plane takes it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditEvent, RunningOperator } from '../../src/testing/index.ts';
import { ReconnectBackoff } from '../../src/watch/index.ts';
import { type LoggedRequest, logLines, shipped } from './rig.ts';

/** The collections the operator watches cluster-wide: each is one list+watch loop with its own reconnect backoff. */
export const watchedCollections = [
  { resource: 'helloworlds', path: '/apis/apps.example.com/v1alpha1/helloworlds' },
  { resource: 'configmaps', path: '/api/v1/configmaps' },
] as const;

/** The operator's Lease (`--leader-election-namespace` as the rig starts it, the example's lease name). */
export const leasePath = '/apis/coordination.k8s.io/v1/namespaces/hello-world-system/leases/hello-world-operator';

/**
 * Requests a reconcile of one HelloWorld can start: the ConfigMap write (or a create that meets AlreadyExists
 * and reads, or a leftover deleted and recreated: at most two), the status write, and one event.
 */
export const requestsPerReconcile = 4;

/** How many attempts a key retried with the workqueue's per-key backoff (5 ms doubling) can make within `windowMs`. */
export function queueAttemptsWithin(windowMs: number): number {
  // Attempt n + 1 starts at least 5 ms × (2ⁿ − 1) after the first.
  let attempts = 1;
  while (shipped.queueBaseDelayMs * (2 ** attempts - 1) <= windowMs) attempts++;
  return attempts;
}

/** The requests the operator may start during an outage, loop by loop, with the derivation of each term. */
export interface OutageBound {
  total: number;
  terms: string[];
}

/**
 * The most requests (so the most connection attempts: a connection carries at least one request) the operator
 * may start in a window of `windowMs` in which kube-apiserver is dead for the first `deadMs` and starting (it may
 * answer) for the rest. Its retry loops:
 * - each watch: its stream breaks at the start; every retry (watch from its last resourceVersion, or list)
 *   waits a reconnect-backoff delay first, so at most `ReconnectBackoff.maxAttemptsWithin(window)` retries
 *   (one at once, then one per shortest delay, 0.8 s doubling shortened by the 25 % jitter); plus, if the
 *   starting server answers 410, one list and one watch that wait for nothing: + 2;
 * - the leader elector: one round at once, then one per retry period at least (2 s, stretched by jitter when
 *   not leading); a round is one request while nothing answers (the renewal PUT or the GET fails and ends the
 *   round), at most three once something may answer (PUT, 409 → GET, PUT);
 * - the event recorder: one request per event, and events come only from reconciles (below);
 * - reconciles: a key whose reconcile failed (`failingKeys`, from the operator's log) is retried with the
 *   per-key backoff (5 ms doubling): `queueAttemptsWithin(window)` attempts, each at most
 *   {@link requestsPerReconcile} requests. A converged key reconciled after the leader re-acquires reads the
 *   cache only and starts none.
 */
export function outageRequestBound(windowMs: number, deadMs: number, failingKeys: number): OutageBound {
  const perWatch = new ReconnectBackoff().maxAttemptsWithin(windowMs) + 2;
  const rounds = 1 + Math.floor(windowMs / shipped.retryPeriodMs);
  const answeredRounds = Math.min(rounds, 2 + Math.floor(Math.max(0, windowMs - deadMs) / shipped.retryPeriodMs));
  const lease = rounds + 2 * answeredRounds;
  const reconciles = failingKeys * queueAttemptsWithin(windowMs) * requestsPerReconcile;
  return {
    total: watchedCollections.length * perWatch + lease + reconciles,
    terms: [
      `${watchedCollections.length} watches × (${perWatch - 2} backoff-gated retries + 2 after a 410)`,
      `lease: ${rounds} rounds + 2 × ${answeredRounds} rounds that may be answered`,
      `reconciles: ${failingKeys} failing keys × ${queueAttemptsWithin(windowMs)} attempts × ${requestsPerReconcile} requests`,
    ],
  };
}

/** Keys (`namespace/name`) whose reconcile failed in [fromMs, toMs], from the operator's log. */
export function failingKeys(operator: Pick<RunningOperator, 'logs'>, fromMs: number, toMs: number): Set<string> {
  return new Set(
    logLines(operator)
      .filter((l) => l.time >= fromMs && l.time <= toMs && l.msg.startsWith('reconcile failed'))
      .map((l) => `${String(l['namespace'])}/${String(l['name'])}`),
  );
}

/** The first request to `path` started at or after `sinceMs` that succeeded (2xx), from the operator's request log. */
export function firstSuccess(requests: readonly LoggedRequest[], path: string, sinceMs: number): LoggedRequest | undefined {
  return requests.find((r) => r.path === path && r.startedAt >= sinceMs && /^2\d\d$/.test(r.code));
}

/** The operator's `listing` log lines (one per list it starts, with the resource and the cause) at or after `sinceMs`. */
export function listings(
  operator: Pick<RunningOperator, 'logs'>,
  sinceMs: number,
): Array<{ resource: string; cause: string; time: number }> {
  return logLines(operator)
    .filter((l) => l.msg === 'listing' && l.time >= sinceMs)
    .map((l) => ({ resource: String(l['resource']), cause: String(l['cause']), time: l.time }));
}

/** What one operator request in the audit log was for. */
export type AuditRequest =
  | { type: 'list' | 'watch'; resource: string }
  | { type: 'lease'; verb: string }
  /** `at`: when the server received it (ms since the epoch). */
  | { type: 'write'; verb: string; resource: string; key: string; at: number }
  | { type: 'review' }
  | { type: 'other'; what: string };

const writeVerbs = new Set(['create', 'update', 'patch', 'delete']);

/**
 * Sort an audit event: a list or watch of a collection, a Lease call, or a write, with the HelloWorld it is
 * for (`namespace/name`: the ConfigMap and the status share the HelloWorld's name; an Event is named
 * `<name>.<16 hex digits>` after what it regards).
 */
export function classifyAudit(event: AuditEvent): AuditRequest {
  const ref = event.objectRef ?? {};
  const resource = ref.subresource ? `${ref.resource}/${ref.subresource}` : (ref.resource ?? '');
  if (ref.resource === 'leases') return { type: 'lease', verb: event.verb };
  // The operator checking who scrapes its /metrics (the rig's own reads), not work of its own.
  if (ref.resource === 'tokenreviews' || ref.resource === 'subjectaccessreviews') return { type: 'review' };
  if (event.verb === 'list' || event.verb === 'watch') return { type: event.verb, resource };
  if (writeVerbs.has(event.verb) && ref.namespace && ref.name) {
    const name = ref.resource === 'events' ? ref.name.replace(/\.[0-9a-f]{16}$/, '') : ref.name;
    return { type: 'write', verb: event.verb, resource, key: `${ref.namespace}/${name}`, at: Date.parse(event.requestReceivedTimestamp) };
  }
  return { type: 'other', what: `${event.verb} ${event.requestURI}` };
}

/** Run an admin change until the control plane takes it (it may still be recovering); fails after `timeoutMs`. */
export async function untilAccepted(what: string, timeoutMs: number, change: () => Promise<unknown>): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      await change();
      return;
    } catch (err) {
      if (Date.now() - started > timeoutMs)
        throw new Error(`${what} was not accepted within ${timeoutMs} ms: ${(err as Error).message}`, { cause: err });
      await sleep(250);
    }
  }
}
