// Who may read /metrics, decided as the Kubebuilder scaffold's metrics server decides it: the bearer token is
// authenticated by a TokenReview and the user it names authorized by a SubjectAccessReview on the non-resource
// URL /metrics (verb get), both asked of the API server. Verdicts are cached per token for a few seconds so that
// a scraper every few seconds costs two API calls per TTL, not per scrape; a review that could not be made is
// never cached and never lets the caller in. Private to the manager: its index exports only MetricsServer.
import { createHash } from 'node:crypto';
import type { KubeClient } from '../client/index.ts';
import { SubjectAccessReview } from '../kinds/authorization/v1.ts';
import { TokenReview, type UserInfo } from '../kinds/authentication/v1.ts';

/** What the API server said of one bearer token: let in, not authenticated (401), or not authorized (403). */
export type AccessVerdict =
  | { readonly allowed: true; readonly user: string }
  | { readonly allowed: false; readonly status: 401; readonly reason: string }
  | { readonly allowed: false; readonly status: 403; readonly user: string; readonly reason: string };

/**
 * Judges one bearer token; rejects when it could not ask (the API server is down, or refused the review itself).
 */
export type ReviewToken = (token: string, signal: AbortSignal) => Promise<AccessVerdict>;

/** The non-resource URL and verb the SubjectAccessReview asks about, as in a ClusterRole's rule. */
export const metricsAccess = { path: '/metrics', verb: 'get' } as const;

/**
 * A {@link ReviewToken} that asks the API server through `client`: a TokenReview (`authentication.k8s.io/v1`),
 * then, for an authenticated user, a SubjectAccessReview (`authorization.k8s.io/v1`) with the user's name, groups,
 * uid and extra and `nonResourceAttributes` `get /metrics`. The client's identity needs `create` on both
 * (`metricsAuthRules` of `capstan/manifests`).
 */
export function reviewThroughApiServer(client: KubeClient): ReviewToken {
  return async (token, signal) => {
    const tokenReview = await client.resource(TokenReview).create({ metadata: {}, spec: { token } }, { signal });
    const status = tokenReview.status;
    const user = status?.user;
    if (!status?.authenticated || !user?.username) {
      return { allowed: false, status: 401, reason: status?.error ? `token not accepted: ${status.error}` : 'token not accepted' };
    }
    const review = await client.resource(SubjectAccessReview).create({ metadata: {}, spec: accessReviewSpec(user) }, { signal });
    if (review.status?.allowed) return { allowed: true, user: user.username };
    const why = review.status?.reason || review.status?.evaluationError;
    return { allowed: false, status: 403, user: user.username, reason: why ? `not authorized (${why})` : 'not authorized' };
  };
}

function accessReviewSpec(user: UserInfo): SubjectAccessReview['spec'] {
  return {
    user: user.username!,
    ...(user.groups ? { groups: user.groups } : {}),
    ...(user.uid ? { uid: user.uid } : {}),
    ...(user.extra ? { extra: user.extra } : {}),
    nonResourceAttributes: { ...metricsAccess },
  };
}

/** Options of {@link VerdictCache}. */
export interface VerdictCacheOptions {
  /** How long a verdict is reused, in milliseconds; default 10 000 (10 s). */
  ttlMs?: number;
  /** At most this many tokens are remembered (the oldest goes first); default 256. */
  maxEntries?: number;
  /**
   * How long after it was given a positive verdict may still let its caller in while the API server cannot be asked
   * (default 5 minutes): metrics stay readable through an API server outage, when they matter most.
   */
  staleMs?: number;
  /** The clock, for tests; default `Date.now`. */
  now?: () => number;
}

/**
 * The verdicts of recent tokens, positive and negative alike, each kept `ttlMs` (10 s by default) and at most
 * `maxEntries` (256) of them: a revoked token or a removed role binding takes effect within the TTL. Tokens are
 * kept as SHA-256 digests, never in the clear.
 */
export class VerdictCache {
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly staleMs: number;
  private readonly entries = new Map<string, { verdict: AccessVerdict; expiresAt: number; staleUntil: number }>();

  constructor(options: VerdictCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.staleMs = options.staleMs ?? 300_000;
    this.maxEntries = options.maxEntries ?? 256;
    this.now = options.now ?? Date.now;
  }

  /** The verdict on `token` if one was given less than the TTL ago. */
  get(token: string): AccessVerdict | undefined {
    const key = digest(token);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.now() < entry.expiresAt) return entry.verdict;
    if (!(entry.verdict.allowed && this.now() < entry.staleUntil)) this.entries.delete(key);
    return undefined;
  }

  /** A positive verdict on `token` past its TTL but given less than `staleMs` ago: one to fall back on. */
  stale(token: string): AccessVerdict | undefined {
    const entry = this.entries.get(digest(token));
    return entry?.verdict.allowed && this.now() < entry.staleUntil ? entry.verdict : undefined;
  }

  /** Remember `verdict` on `token` for the TTL, forgetting the oldest entry when full. */
  set(token: string, verdict: AccessVerdict): void {
    const key = digest(token);
    this.entries.delete(key); // re-inserted last: the Map's order is the order of age
    const now = this.now();
    this.entries.set(key, { verdict, expiresAt: now + this.ttlMs, staleUntil: now + this.staleMs });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  /** How many tokens are remembered (expired ones included until they are asked for or pushed out). */
  get size(): number {
    return this.entries.size;
  }
}

/** How long a review behind a stale verdict may take. */
const backgroundReviewTimeoutMs = 30_000;

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** What the metrics server answers when the caller is not let in. */
export interface Refusal {
  status: 401 | 403 | 503;
  headers: Record<string, string>;
  /** One line, ending in a newline. */
  body: string;
}

/**
 * Decides a request to `/metrics` from its `Authorization` header: `undefined` when the caller is let in, else the
 * refusal to send. Reviews go through `cache` (one review per token per TTL; concurrent requests with one new
 * token share it). A review that fails is a 503, never a 200, and is not cached. Past its TTL, a positive verdict
 * within the cache's stale window still lets its caller in while a new review runs in the background.
 */
export class AccessGate {
  private readonly inFlight = new Map<string, Promise<AccessVerdict>>();
  private readonly review: ReviewToken;
  private readonly cache: VerdictCache;

  constructor(review: ReviewToken, cache: VerdictCache) {
    this.review = review;
    this.cache = cache;
  }

  /** The refusal to send for this `Authorization` header, or `undefined` to serve the metrics. */
  async check(authorization: string | undefined, signal: AbortSignal): Promise<Refusal | undefined> {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (token === undefined) {
      const what = authorization ? 'the Authorization header is not "Bearer <token>"' : 'no bearer token';
      return unauthorized(`${what}: send a ServiceAccount token whose account may get /metrics`);
    }
    let verdict = this.cache.get(token);
    const stale = verdict === undefined ? this.cache.stale(token) : undefined;
    if (stale) {
      // Let in a caller the API server let in within the stale window, and ask again behind its back: an outage
      // must not blind the scraper that was reading a minute ago, and a revocation counts from the next scrape.
      verdict = stale;
      void this.reviewOnce(token, AbortSignal.timeout(backgroundReviewTimeoutMs)).catch(() => undefined);
    } else if (verdict === undefined) {
      try {
        verdict = await this.reviewOnce(token, signal);
      } catch (err) {
        return { status: 503, headers: {}, body: `could not check the caller's token: ${oneLine((err as Error).message)}\n` };
      }
    }
    if (verdict.allowed) return undefined;
    if (verdict.status === 401) return unauthorized(verdict.reason);
    return {
      status: 403,
      headers: {},
      body: `forbidden: user "${verdict.user}" may not ${metricsAccess.verb} ${metricsAccess.path}: ${verdict.reason}; bind it to a ClusterRole with nonResourceURLs ["${metricsAccess.path}"] and verbs ["${metricsAccess.verb}"] (the generated <operator>-metrics-reader)\n`,
    };
  }

  private reviewOnce(token: string, signal: AbortSignal): Promise<AccessVerdict> {
    const key = digest(token);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const review = this.review(token, signal)
      .then((verdict) => {
        this.cache.set(token, verdict);
        return verdict;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, review);
    return review;
  }
}

function unauthorized(reason: string): Refusal {
  return { status: 401, headers: { 'www-authenticate': 'Bearer realm="metrics"' }, body: `unauthorized: ${oneLine(reason)}\n` };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').slice(0, 500);
}
