import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccessGate, type AccessVerdict, type ReviewToken, VerdictCache } from './metrics-access.ts';

const reader = 'system:serviceaccount:monitoring:prometheus';
const signal = AbortSignal.timeout(60_000);

/** A reviewer that answers from a table and counts its calls; an unknown token is a 401. */
function stubReviewer(verdicts: Record<string, AccessVerdict | Error>): ReviewToken & { calls: string[] } {
  const calls: string[] = [];
  const review = async (token: string) => {
    calls.push(token);
    await Promise.resolve();
    const verdict = verdicts[token] ?? { allowed: false, status: 401, reason: 'token not accepted' };
    if (verdict instanceof Error) throw verdict;
    return verdict;
  };
  return Object.assign(review, { calls });
}

test('a verdict is reused for the TTL and reviewed again after it, positive and negative alike', () => {
  let now = 1_000;
  const cache = new VerdictCache({ ttlMs: 10_000, now: () => now });
  cache.set('good', { allowed: true, user: reader });
  cache.set('bad', { allowed: false, status: 401, reason: 'token not accepted' });
  now += 9_999;
  assert.deepEqual(cache.get('good'), { allowed: true, user: reader });
  assert.equal(cache.get('bad')?.allowed, false);
  now += 1;
  assert.equal(cache.get('good'), undefined);
  assert.equal(cache.get('bad'), undefined);
  assert.equal(cache.get('never seen'), undefined);
});

test('the cache holds at most maxEntries tokens: the oldest goes first, a token set again is young again', () => {
  const cache = new VerdictCache({ maxEntries: 3 });
  for (const token of ['a', 'b', 'c']) cache.set(token, { allowed: true, user: token });
  cache.set('a', { allowed: true, user: 'a again' });
  cache.set('d', { allowed: true, user: 'd' });
  assert.equal(cache.size, 3);
  assert.equal(cache.get('b'), undefined, 'b was the oldest');
  assert.deepEqual(
    ['a', 'c', 'd'].map((t) => cache.get(t)),
    [
      { allowed: true, user: 'a again' },
      { allowed: true, user: 'c' },
      { allowed: true, user: 'd' },
    ],
  );
  for (let i = 0; i < 1_000; i++) cache.set(`t${i}`, { allowed: true, user: `u${i}` });
  assert.equal(cache.size, 3);
});

test('no bearer token, or another scheme: 401 with WWW-Authenticate: Bearer and one line, without asking the API server', async () => {
  const review = stubReviewer({});
  const gate = new AccessGate(review, new VerdictCache());
  for (const header of [undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer two words']) {
    const refusal = await gate.check(header, signal);
    assert.equal(refusal?.status, 401, String(header));
    assert.equal(refusal.headers['www-authenticate']?.startsWith('Bearer'), true);
    assert.match(refusal.body, /^unauthorized: .*bearer token|^unauthorized: the Authorization header is not "Bearer <token>"/i);
    assert.equal(refusal.body.trimEnd().includes('\n'), false, 'one line');
  }
  assert.deepEqual(review.calls, []);
});

test("the reviewer's verdicts: allowed serves, not authenticated is 401, not authorized is 403 naming the user", async () => {
  const review = stubReviewer({
    reader: { allowed: true, user: reader },
    stranger: { allowed: false, status: 403, user: 'system:serviceaccount:default:nosy', reason: 'not authorized' },
  });
  const gate = new AccessGate(review, new VerdictCache());
  assert.equal(await gate.check('Bearer reader', signal), undefined);
  assert.equal(await gate.check('bearer reader', signal), undefined, 'the scheme is case-insensitive');
  const forbidden = await gate.check('Bearer stranger', signal);
  assert.equal(forbidden?.status, 403);
  assert.match(forbidden.body, /user "system:serviceaccount:default:nosy" may not get \/metrics/);
  assert.match(forbidden.body, /nonResourceURLs \["\/metrics"\]/);
  const unknown = await gate.check('Bearer garbage', signal);
  assert.equal(unknown?.status, 401);
  assert.equal(unknown.headers['www-authenticate']?.startsWith('Bearer'), true);
  assert.match(unknown.body, /token not accepted/);
});

test('a review that fails is a 503 that says why, is never cached, and never lets the caller in', async () => {
  let down = true;
  const calls: string[] = [];
  const review: ReviewToken = async (token) => {
    calls.push(token);
    if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:6443\n(the API server)');
    return { allowed: true, user: reader };
  };
  const gate = new AccessGate(review, new VerdictCache());
  const refusal = await gate.check('Bearer reader', signal);
  assert.equal(refusal?.status, 503);
  assert.equal(refusal.body, "could not check the caller's token: connect ECONNREFUSED 127.0.0.1:6443 (the API server)\n");
  down = false;
  assert.equal(await gate.check('Bearer reader', signal), undefined, 'the failure was not remembered');
  assert.deepEqual(calls, ['reader', 'reader']);
});

test('one review per token per TTL: repeated and concurrent scrapes share it; after the TTL the token is reviewed again', async () => {
  let now = 0;
  const review = stubReviewer({ reader: { allowed: true, user: reader } });
  const gate = new AccessGate(review, new VerdictCache({ ttlMs: 10_000, now: () => now }));
  const first = await Promise.all([1, 2, 3].map(() => gate.check('Bearer reader', signal)));
  assert.deepEqual(first, [undefined, undefined, undefined]);
  now += 5_000;
  assert.equal(await gate.check('Bearer reader', signal), undefined);
  assert.equal(review.calls.length, 1, 'three concurrent scrapes and one 5 s later: one review');
  now += 5_000;
  assert.equal(await gate.check('Bearer reader', signal), undefined);
  assert.equal(review.calls.length, 2, 'reviewed again once the TTL passed');
});

test('a negative verdict is cached too: a garbage token costs one review per TTL, not one per request', async () => {
  const review = stubReviewer({});
  const gate = new AccessGate(review, new VerdictCache());
  for (let i = 0; i < 5; i++) assert.equal((await gate.check('Bearer garbage', signal))?.status, 401);
  assert.equal(review.calls.length, 1);
});

test('past its TTL, a positive verdict within the stale window lets its caller in while a new review runs; a denial ends it', async () => {
  let now = 0;
  const cache = new VerdictCache({ ttlMs: 10_000, staleMs: 300_000, now: () => now });
  const verdicts: Record<string, AccessVerdict | Error> = { good: { allowed: true, user: reader } };
  const reviewer = stubReviewer(verdicts);
  const gate = new AccessGate(reviewer, cache);
  assert.equal(await gate.check('Bearer good', signal), undefined);
  verdicts['good'] = new Error('connect ECONNREFUSED'); // the API server is gone
  now = 60_000;
  assert.equal(await gate.check('Bearer good', signal), undefined, 'served on the verdict of a minute ago');
  assert.equal(reviewer.calls.length, 2, 'and asked again behind its back');
  now = 301_000;
  assert.equal((await gate.check('Bearer good', signal))?.status, 503, 'past the stale window: cannot be checked');
  verdicts['good'] = { allowed: false, status: 401, reason: 'token not accepted' }; // back, and the token revoked
  assert.equal((await gate.check('Bearer good', signal))?.status, 401);
  now = 320_000;
  assert.equal((await gate.check('Bearer good', signal))?.status, 401, 'a denial is never served stale');
});
