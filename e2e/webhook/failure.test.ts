// What a user sees when an admission webhook fails, on a control plane of its own (a failing webhook with
// `failurePolicy: Fail` refuses writes, which must not reach the suites that share a control plane):
// - the server down, `Fail`: kubectl apply is refused with a message naming the webhook and saying it could not be
//   reached; the first write after the server is back (same port, same certificate) passes;
// - the server down, `Ignore`: writes pass, and the audit log records that the webhook failed open;
// - a handler slower than its `timeoutSeconds`: the API server hangs up at the timeout, the write is refused, and the
//   handler's signal aborts.
// The webhooks are on test CRDs, so the control plane's own writes never reach them.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineKind, type KubeObject } from '../../src/core/index.ts';
import { type AuditEvent, type ControlPlane, eventually, startControlPlane } from '../../src/testing/index.ts';
import {
  createCertificateAuthority,
  deny,
  issueServingCertificate,
  serveWebhooks,
  type WebhookDefinition,
  type WebhookServer,
  type WebhookServerMetrics,
  webhook,
  webhookConfigurations,
} from '../../src/webhook/index.ts';
import { runKubectl } from '../hello-world/support.ts';
import { testCrd } from '../support/crds.ts';

interface Part extends KubeObject {
  spec: { size: number };
}
const group = 'failure.capstan.test';
const kindOf = (kind: string) => defineKind<Part>({ group, version: 'v1', kind, plural: `${kind.toLowerCase()}s`, namespaced: true });
const Strict = kindOf('Strict');
const Lenient = kindOf('Lenient');
const Slow = kindOf('Slow');
const ns = 'failure';

// The configuration under test; the bounds below are derived from it.
const slowTimeoutSeconds = 2;
/**
 * How far the moment the API server hangs up may be from `timeoutSeconds` after the request reached the handler:
 * its deadline starts before it dials and sends (earlier by the TLS handshake and the body, milliseconds here), and
 * the close reaches this process through the event loop of a 2-core machine that runs other tests.
 */
const hangUpMarginMs = 500;
/** kubectl's own time around the call: process start, discovery with an empty cache, printing. */
const kubectlMarginMs = 5_000;

const timeline: string[] = [];
const started = Date.now();
const mark = (line: string) => timeline.push(`${((Date.now() - started) / 1000).toFixed(3).padStart(8)} s  ${line}`);
const describe = () => `timeline:\n${timeline.join('\n')}`;

/** Object names that start with `probe` are refused at once by every handler: how a test sees that its webhook is in effect. */
const probeDenial = (name: string | undefined) => (name?.startsWith('probe') ? deny(`probe ${name} refused by the webhook`) : undefined);

const slowSeen: Array<{ name: string | undefined; arrivedAt: number; abortedAt: number | undefined; reason: string | undefined }> = [];
const definitions = {
  strict: webhook(Strict).validate(({ name }) => probeDenial(name), { failurePolicy: 'Fail', timeoutSeconds: 5 }),
  lenient: webhook(Lenient).validate(({ name }) => probeDenial(name), { failurePolicy: 'Ignore', timeoutSeconds: 5 }),
  slow: webhook(Slow).validate(
    async ({ name, signal }) => {
      const seen = { name, arrivedAt: Date.now(), abortedAt: undefined as number | undefined, reason: undefined as string | undefined };
      slowSeen.push(seen);
      const denial = probeDenial(name);
      if (denial) return denial;
      mark(`slow handler: ${name} arrived; sleeping past its ${slowTimeoutSeconds} s timeout`);
      // Longer than the timeout; the signal ends the sleep when the request's time is up.
      await sleep(slowTimeoutSeconds * 1000 * 3, undefined, { signal }).catch(() => undefined);
      seen.abortedAt = signal.aborted ? Date.now() : undefined;
      seen.reason = signal.aborted ? String((signal.reason as Error | undefined)?.name) : undefined;
      mark(`slow handler: ${name} ${signal.aborted ? `aborted (${seen.reason})` : 'not aborted'}`);
      return undefined;
    },
    { failurePolicy: 'Fail', timeoutSeconds: slowTimeoutSeconds },
  ),
};

/** When each slow request was reported by the server's metrics hook (arrival, and connection closed with a code). */
const slowRequests: Array<{ startedAt: number; finishedAt?: number; code?: number }> = [];
const slowMetrics: WebhookServerMetrics = {
  started() {
    const entry: { startedAt: number; finishedAt?: number; code?: number } = { startedAt: Date.now() };
    slowRequests.push(entry);
    return (code) => {
      entry.finishedAt = Date.now();
      entry.code = code;
      mark(`slow webhook server: request over, code ${code}`);
    };
  },
};

let cp: ControlPlane;
let dir: string;
let certDir: string;
let caBundle: string;
let partsServer: WebhookServer | undefined;
let slowServer: WebhookServer | undefined;

const manifest = (kind: string, name: string) =>
  JSON.stringify({ apiVersion: `${group}/v1`, kind, metadata: { name, namespace: ns }, spec: { size: 1 } });
const apply = async (kind: string, name: string) => {
  const at = Date.now();
  const result = await runKubectl(cp.kubeconfigPath, ['apply', '-f', '-'], { input: manifest(kind, name) });
  mark(`kubectl apply ${kind} ${name}: exit ${result.code} after ${Date.now() - at} ms ${result.stderr.trim().split('\n').at(-1) ?? ''}`);
  return { ...result, ms: Date.now() - at };
};
const exists = async (kind: string, name: string) =>
  (await runKubectl(cp.kubeconfigPath, ['get', `${kind.toLowerCase()}s.${group}`, name, '--namespace', ns])).code === 0;

async function register(name: string, defs: readonly WebhookDefinition[], port: number): Promise<void> {
  const { validating } = webhookConfigurations(defs, { name, clientConfig: { url: `https://127.0.0.1:${port}`, caBundle } });
  await cp.admin.request({
    method: 'POST',
    path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
    body: validating,
  });
}

/** Wait until the API server calls the webhook of `kind`: a server-side dry run of a probe object is refused by it. */
async function inEffect(kind: string): Promise<void> {
  await eventually(
    `the ${kind} webhook to be in effect`,
    async () => {
      const probe = await runKubectl(cp.kubeconfigPath, ['apply', '--dry-run=server', '-f', '-'], { input: manifest(kind, 'probe') });
      return probe.code !== 0 && probe.stderr.includes('probe probe refused by the webhook') ? true : undefined;
    },
    { timeoutMs: 20_000, describe },
  );
}

before(async () => {
  cp = await startControlPlane({ crds: [testCrd(group, 'Strict'), testCrd(group, 'Lenient'), testCrd(group, 'Slow')] });
  await cp.admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  dir = await mkdtemp(join(tmpdir(), 'capstan-webhook-failure-'));
  const ca = createCertificateAuthority({ commonName: 'capstan-failure-test-ca' });
  const serving = issueServingCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1'] });
  certDir = join(dir, 'serving-certs');
  await mkdir(certDir);
  await writeFile(join(certDir, 'tls.crt'), serving.cert);
  await writeFile(join(certDir, 'tls.key'), serving.key);
  caBundle = Buffer.from(ca.cert).toString('base64');
  partsServer = await serveWebhooks([definitions.strict, definitions.lenient], { certDir, host: '127.0.0.1', port: 0 });
  slowServer = await serveWebhooks([definitions.slow], { certDir, host: '127.0.0.1', port: 0, metrics: slowMetrics });
  await register('capstan-failure-parts', [definitions.strict, definitions.lenient], partsServer.port);
  await register('capstan-failure-slow', [definitions.slow], slowServer.port);
  await Promise.all(['Strict', 'Lenient', 'Slow'].map(inEffect));
  mark('webhooks in effect');
});

after(async () => {
  process.stdout.write(`# ${describe().replaceAll('\n', '\n# ')}\n`);
  await partsServer?.close();
  await slowServer?.close();
  await cp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('webhook down with failurePolicy Fail: kubectl apply is refused naming the webhook; the first write after it is back passes', async () => {
  const before = await apply('Strict', 'before');
  assert.equal(before.code, 0, `${before.stderr}\n${describe()}`);

  const port = partsServer!.port;
  await partsServer!.close();
  mark(`webhook server on port ${port} closed`);
  const refused = await apply('Strict', 'while-down');
  process.stdout.write(`# what kubectl says while the webhook is down:\n# ${refused.stderr.trim()}\n`);
  assert.notEqual(refused.code, 0, describe());
  // The message names the webhook and says it could not be reached (and where it was looked for).
  assert.match(refused.stderr, /failed calling webhook "validate\.stricts\.failure\.capstan\.test"/, describe());
  assert.match(refused.stderr, new RegExp(`127\\.0\\.0\\.1:${port}.*connection refused`), describe());
  assert.equal(await exists('Strict', 'while-down'), false, 'nothing was stored');

  // Back on the same port with the same certificate. The API server calls a webhook once per write, dials when it
  // has no open connection, and keeps no memory of the failure (no retry, no backoff): so the very first write after
  // the server listens must pass, without waiting for anything.
  partsServer = await serveWebhooks([definitions.strict, definitions.lenient], { certDir, host: '127.0.0.1', port });
  mark(`webhook server listening again on port ${port}`);
  const afterBack = await apply('Strict', 'after-back');
  assert.equal(afterBack.code, 0, `the first write after the webhook came back was refused: ${afterBack.stderr}\n${describe()}`);
  // ...and without the API server waiting out the webhook's 5 s timeout on the way.
  assert.ok(afterBack.ms < 5_000 + kubectlMarginMs, `the first write after the webhook came back took ${afterBack.ms} ms\n${describe()}`);
  assert.equal(partsServer.answered.get('/validate-failure-capstan-test-v1-strict'), 1, 'the restarted server answered it');
});

test('webhook down with failurePolicy Ignore: writes pass, and the audit log says the webhook failed open', async () => {
  await partsServer!.close();
  mark('webhook server closed');
  const passed = await apply('Lenient', 'while-down');
  assert.equal(passed.code, 0, `${passed.stderr}\n${describe()}`);
  assert.equal(await exists('Lenient', 'while-down'), true);
  // The API server did call it and let the write through (a write the webhook was never asked about would pass too).
  const failedOpen = (await cp.auditEvents()).find(
    (e: AuditEvent & { annotations?: Record<string, string> }) =>
      e.verb === 'create' &&
      e.objectRef?.resource === 'lenients' &&
      e.objectRef.name === 'while-down' &&
      Object.entries(e.annotations ?? {}).some(
        ([key, value]) =>
          key.startsWith('failed-open.validating.webhook.admission.k8s.io/') && value === 'validate.lenients.failure.capstan.test',
      ),
  );
  assert.ok(failedOpen, `no audit event of the create with the webhook's failed-open annotation\n${describe()}`);
  // And a Strict write is still refused: the server really is down.
  assert.notEqual((await apply('Strict', 'still-down')).code, 0, describe());
});

test('a handler slower than its timeoutSeconds: the API server hangs up at the timeout, refuses the write, and the handler’s signal aborts', {
  timeout: 60_000,
}, async () => {
  const from = slowRequests.length; // the probes before are in the list too
  const refused = await apply('Slow', 'slowpoke');
  process.stdout.write(`# what kubectl says when the webhook times out:\n# ${refused.stderr.trim()}\n`);
  assert.notEqual(refused.code, 0, describe());
  assert.match(refused.stderr, /failed calling webhook "validate\.slows\.failure\.capstan\.test"/, describe());
  assert.match(refused.stderr, /context deadline exceeded|timeout/i, describe());
  assert.equal(await exists('Slow', 'slowpoke'), false, 'nothing was stored');
  // kubectl waited for the timeout, and not much longer.
  const timeoutMs = slowTimeoutSeconds * 1000;
  assert.ok(
    refused.ms >= timeoutMs && refused.ms <= timeoutMs + kubectlMarginMs,
    `kubectl took ${refused.ms} ms, not ${timeoutMs} ms + at most ${kubectlMarginMs} ms\n${describe()}`,
  );

  // The server saw the API server hang up at the timeout (the connection closed before any answer: code 499)...
  const request = await eventually(
    'the slow request to be over at the server',
    async () => slowRequests.slice(from).find((r) => r.code !== undefined),
    {
      timeoutMs: timeoutMs + hangUpMarginMs,
      describe,
    },
  );
  assert.equal(request.code, 499, describe());
  const hangUpMs = request.finishedAt! - request.startedAt;
  assert.ok(
    Math.abs(hangUpMs - timeoutMs) <= hangUpMarginMs,
    `the API server hung up ${hangUpMs} ms after the request arrived, not ${timeoutMs} ± ${hangUpMarginMs} ms\n${describe()}`,
  );
  // ...and the handler's signal aborted at its timeout, so it stopped working for nobody: by its own timer (a
  // TimeoutError) or by the API server hanging up at the same moment (an AbortError), whichever came first.
  const seen = await eventually(
    'the slow handler to see its signal abort',
    async () => slowSeen.find((s) => s.name === 'slowpoke' && s.abortedAt !== undefined),
    { timeoutMs: timeoutMs + hangUpMarginMs, describe },
  );
  assert.ok(seen.reason === 'TimeoutError' || seen.reason === 'AbortError', `aborted with ${seen.reason}\n${describe()}`);
  const abortMs = seen.abortedAt! - seen.arrivedAt;
  assert.ok(
    abortMs >= timeoutMs - 50 && abortMs <= timeoutMs + hangUpMarginMs,
    `the handler's signal aborted ${abortMs} ms after it was called, not ${timeoutMs} ms (+ at most ${hangUpMarginMs} ms)\n${describe()}`,
  );
});
