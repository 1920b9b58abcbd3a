// Webhook certificates without cert-manager, on a control plane of its own (its audit log holds only this test):
// two in-process Managers, each under a ServiceAccount bound to exactly webhookCertificateRules, start with no
// Secret; one creates it, both serve its certificate. A ValidatingWebhookConfiguration (failurePolicy Fail, one
// webhook per replica, by url) is created with no caBundle, as `kubectl apply` of a generated file would leave it:
// the managers fill it in. With certificates valid for 30 s, rotations run under continuous ConfigMap writes that
// pass through both replicas' webhooks: the audit log shows no write refused, the served serial number changes
// mid-load, and the caBundle holds both CAs during the overlap and only the new one after.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { KubeClient } from '../../src/client/index.ts';
import type { Logger } from '../../src/core/index.ts';
import { ConfigMap, Secret } from '../../src/index.ts';
import { ValidatingWebhookConfiguration } from '../../src/kinds/admissionregistration/v1.ts';
import { Manager } from '../../src/manager/index.ts';
import { type ControlPlane, eventually, forbiddenSince, startControlPlane } from '../../src/testing/index.ts';
import {
  deny,
  dryRunVerifier,
  type RotationPolicy,
  webhook,
  webhookCertificateRules,
  webhookConfigurations,
} from '../../src/webhook/index.ts';
import { casInBundle } from '../../src/webhook/certificate-rotation.ts';

const ns = 'certs-test';
const operator = 'certs-operator';
const secretName = `${operator}-webhook-certs`;
const configName = `${operator}-test`;
// Rotation starts 18 s before the 30 s validity ends; each step is seconds long, so a rotation takes about 10 s.
const policy: Partial<RotationPolicy> = {
  validityMs: 30_000,
  renewBeforeMs: 18_000,
  propagationMs: 3_000,
  settleMs: 1_500,
  overlapMs: 4_000,
  retryMs: 3_000,
};
const syncIntervalMs = 300;

const configMaps = webhook(ConfigMap).validate(({ object }) => (object.data?.['forbidden'] ? deny('forbidden key') : undefined), {
  failurePolicy: 'Fail',
});

let cp: ControlPlane;
const managers: Manager[] = [];
const clients: KubeClient[] = [];
let managerUser = '';
let loadUser = '';
let loadClient: KubeClient;
const timeline: string[] = [];
const startedAt = Date.now();
const mark = (line: string) => timeline.push(`${((Date.now() - startedAt) / 1000).toFixed(2)}s ${line}`);

/** Every log line of the managers into the timeline (printed when a test fails). */
function recorder(bindings: Record<string, unknown>): Logger {
  const write = (level: string) => (fields: object, message: string) =>
    mark(`${level} ${message} ${JSON.stringify({ ...bindings, ...fields })}`);
  return {
    debug: () => undefined,
    info: write('INFO'),
    warn: write('WARN'),
    error: write('ERROR'),
    child: (more) => recorder({ ...bindings, ...more }),
  };
}

/** A test body that prints the timeline (managers' logs and the test's marks) when it fails. */
function withTimeline(body: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await body();
    } catch (err) {
      process.stderr.write(`timeline:\n${timeline.join('\n')}\n`);
      throw err;
    }
  };
}

async function servedSerial(port: number): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial.toUpperCase());
    });
    socket.once('error', reject);
  });
}

const readSecret = () => cp.admin.resource(Secret).get(secretName, { namespace: ns });
const secretText = async (key: string) => Buffer.from((await readSecret()).data?.[key] ?? '', 'base64').toString('utf8');
const serialOf = (pem: string) => new X509Certificate(pem).serialNumber.toUpperCase();
const bundleCas = async () =>
  (await cp.admin.resource(ValidatingWebhookConfiguration).get(configName)).webhooks?.map((w) => casInBundle(w.clientConfig.caBundle)) ??
  [];

before(async () => {
  cp = await startControlPlane();
  await cp.admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  const { rules, clusterRules } = webhookCertificateRules({
    operator,
    namespace: ns,
    secretName,
    validatingConfigurations: [configName],
    mutatingConfigurations: [],
    verifyKind: { group: '', plural: 'configmaps', namespaced: true },
  });
  const sa = await cp.serviceAccountKubeconfig({ namespace: ns, name: operator, rules, clusterRules });
  managerUser = sa.username;
  const load = await cp.serviceAccountKubeconfig({
    namespace: ns,
    name: 'load',
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'update'] }],
  });
  loadUser = load.username;
  loadClient = await KubeClient.fromKubeconfig({ kubeconfigPath: load.kubeconfigPath });
  for (const replica of ['a', 'b']) {
    const client = await KubeClient.fromKubeconfig({ kubeconfigPath: sa.kubeconfigPath });
    clients.push(client);
    const manager = new Manager({
      client,
      registry: new Registry(),
      logger: recorder({ replica }),
      webhooks: {
        certDir: '/nonexistent', // not read: the certificate is managed
        host: '127.0.0.1',
        port: 0,
        certificates: {
          secret: { name: secretName, namespace: ns },
          hosts: ['127.0.0.1'],
          validatingConfigurations: [configName],
          verify: dryRunVerifier(client, ConfigMap, ns),
          policy,
          syncIntervalMs,
        },
      },
    });
    manager.add(configMaps);
    managers.push(manager);
  }
});

after(async () => {
  for (const manager of managers) await manager.stop().catch(() => undefined);
  for (const client of clients) await client.close();
  await loadClient?.close();
  await cp?.stop();
});

test(
  'two replicas start with no Secret: exactly one creates it, both serve its certificate, the empty caBundle is filled in',
  withTimeline(async () => {
    const since = new Date(Date.now() - 1_000);
    await Promise.all(managers.map((m) => m.start()));
    mark('both managers started');
    const creates = (await cp.auditEvents()).filter(
      (e) =>
        e.user.username === managerUser &&
        e.verb === 'create' &&
        e.objectRef?.resource === 'secrets' &&
        Date.parse(e.requestReceivedTimestamp) >= since.getTime(),
    );
    assert.equal(
      creates.filter((e) => e.responseStatus?.code === 201).length,
      1,
      JSON.stringify(creates.map((e) => e.responseStatus?.code)),
    );
    const serial = serialOf(await secretText('tls.crt'));
    for (const m of managers) assert.equal(await servedSerial(m.webhookPort!), serial);

    // Registered as `kubectl apply` of a generated file leaves it: no caBundle. One webhook per replica, both Fail.
    const entries = managers.flatMap((m, i) => {
      const { validating } = webhookConfigurations([configMaps], {
        name: configName,
        clientConfig: { url: `https://127.0.0.1:${m.webhookPort}`, caBundle: '' },
        namespaces: [ns],
      });
      return (validating?.webhooks ?? []).map((w) => ({
        ...w,
        name: `replica-${i}.${w.name}`,
        clientConfig: { url: w.clientConfig.url! },
      }));
    });
    await cp.admin.resource(ValidatingWebhookConfiguration).create({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: configName },
      webhooks: entries,
    });
    const ca = await secretText('ca.crt');
    await eventually(
      'the caBundles to be filled with the CA of the Secret',
      async () => ((await bundleCas()).every((cas) => cas.length === 1 && cas[0] === `${ca.trim()}\n`) ? true : undefined),
      { timeoutMs: 10 * syncIntervalMs + 5_000 },
    );
    await eventually(
      'a write through both webhooks to pass',
      () =>
        loadClient
          .resource(ConfigMap)
          .create({ metadata: { name: 'probe', namespace: ns }, data: { a: 'b' } }, { dryRun: true })
          .catch(() => undefined),
      { timeoutMs: 15_000 },
    );
    const refused = await loadClient
      .resource(ConfigMap)
      .create({ metadata: { name: 'bad', namespace: ns }, data: { forbidden: 'x' } }, { dryRun: true })
      .then(
        () => 'admitted',
        (err: Error) => err.message,
      );
    assert.match(refused, /forbidden key/, 'the webhook is really in the path of the writes');
    mark('webhook registered and in effect');
  }),
);

test(
  'rotations under continuous writes refuse nothing; the serial changes mid-load; the caBundle holds both CAs, then only the new one',
  withTimeline(async () => {
    const since = Date.now();
    const firstCa = `${(await secretText('ca.crt')).trim()}\n`;
    const firstSerial = serialOf(await secretText('tls.crt'));
    const stop = new AbortController();
    let written = 0;
    const failures: string[] = [];
    const writer = async (id: number) => {
      for (let i = 0; !stop.signal.aborted; i++) {
        try {
          await loadClient.resource(ConfigMap).create({ metadata: { name: `load-${id}-${i}`, namespace: ns }, data: { i: String(i) } });
          written++;
        } catch (err) {
          failures.push(`${((Date.now() - startedAt) / 1000).toFixed(2)}s ${(err as Error).message}`);
        }
      }
    };
    const serials = new Set<string>();
    const sampler = async () => {
      while (!stop.signal.aborted) {
        for (const m of managers) serials.add(await servedSerial(m.webhookPort!).catch((err: Error) => `error: ${err.message}`));
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const load = Promise.all([writer(0), writer(1), writer(2), sampler()]);
    let sawBoth = false;
    let rotation: Error | undefined;
    try {
      // A rotation starts at most validity − renewBefore (12 s) after the first CA was made and takes about
      // propagation + settle + overlap + a few syncs (≈ 10 s); allow a full validity more as margin.
      await eventually(
        'a rotation to complete: the caBundles held both CAs, then only a new one',
        async () => {
          const bundles = await bundleCas();
          if (bundles.every((cas) => cas.length === 2 && cas.includes(firstCa))) {
            if (!sawBoth) mark('caBundles hold the old and the new CA');
            sawBoth = true;
          }
          const done = sawBoth && bundles.every((cas) => cas.length === 1 && cas[0] !== firstCa);
          return done ? true : undefined;
        },
        { timeoutMs: 12_000 + 10_000 + 30_000, intervalMs: 100 },
      );
      mark('rotation complete');
      // Keep writing a little after the drop: the API server now trusts only the new CA.
      await new Promise((r) => setTimeout(r, 2_000));
    } catch (err) {
      rotation = err as Error;
    } finally {
      stop.abort();
      await load;
    }
    mark(`load stopped: ${written} writes, ${failures.length} failures`);
    assert.deepEqual(failures, [], 'no write refused'); // first: refusals say more than a rotation that did not finish
    if (rotation) throw rotation;
    assert.ok(written > 50, `only ${written} writes went through the webhook`);
    const newSerial = serialOf(await secretText('tls.crt'));
    assert.notEqual(newSerial, firstSerial);
    assert.ok(serials.has(firstSerial) && serials.has(newSerial), `served serials ${[...serials].join(', ')}: the old and the new`);
    assert.ok(![...serials].some((s) => s.startsWith('error')), [...serials].join(', '));
    for (const m of managers) assert.equal(await servedSerial(m.webhookPort!), newSerial, 'each replica serves the Secret’s certificate');
    // The API server's own record: every write by the load user was admitted, and the managers were refused nothing.
    await new Promise((r) => setTimeout(r, 1_000)); // audit events are written once the request is answered
    const loadWrites = (await cp.auditEvents()).filter(
      (e) => e.user.username === loadUser && e.verb === 'create' && Date.parse(e.requestReceivedTimestamp) >= since,
    );
    assert.ok(loadWrites.length >= written, `${loadWrites.length} audited writes, ${written} counted`);
    assert.deepEqual(
      loadWrites.filter((e) => (e.responseStatus?.code ?? 0) >= 400).map((e) => `${e.responseStatus?.code} ${e.requestURI}`),
      [],
    );
    assert.deepEqual(await forbiddenSince(cp, managerUser, startedAt), []);
  }),
);
