// The route the API server takes to a webhook in a cluster, tested without kube-proxy: kube-apiserver with
// `--enable-aggregator-routing=true` resolves a webhook's Service to one of its EndpointSlice addresses for each
// connection it opens. Here the Service has no selector and the test writes its EndpointSlice by hand, one address
// per replica; each replica is a process (e2e/fixtures/webhook-replica-main.ts) in a network namespace of its own,
// on an address of a veth pair the test creates (EndpointSlice validation refuses loopback addresses), with a
// certificate for `<service>.<namespace>.svc`. Requests are counted per replica from its webhook metrics.
// - two replicas in the slice each answer a share of the admission requests, and none fails;
// - one replica removed from the slice, then stopped (as a Pod that leaves the Service, then ends): every request
//   goes to the other and none fails (with `failurePolicy: Fail`, a request routed to the stopped replica would be
//   refused). It is stopped because the slice decides where the API server dials, not where a connection it already
//   holds goes: a replica removed from the slice but still running keeps answering on those (seen here: one request
//   of 48, 7 s after the removal, on a connection the API server had dialled and not used yet, which Node's server
//   neither times out nor closes on `close()`).
// Needs root (`ip netns`, `ip link`); names carry the test process's id, and leftovers of crashed runs (whose
// process is gone) are removed at the start.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { type ControlPlane, eventually, startControlPlane } from '../../src/testing/index.ts';
import { createCertificateAuthority, issueServingCertificate, webhookConfigurations, webhookPath } from '../../src/webhook/index.ts';
import { testCrd } from '../support/crds.ts';
import { isAlive } from '../support/processes.ts';
import { Routed, routedGroup, routedWebhooks } from '../fixtures/webhook-replica.ts';

const run = promisify(execFile);
const replicaMain = new URL('../fixtures/webhook-replica-main.ts', import.meta.url).pathname;

// The configuration under test; the bounds below are derived from it.
const service = { name: 'capstan-webhooks', namespace: 'route-ops' };
const ns = 'route';
/** Admission requests per phase, and how many are in flight at once (each holds a connection for `routedHandlerMs`). */
const requests = 48;
const concurrency = 16;
/** After the removed replica ended: for the close of its connections to reach the API server's pool, and the slice change its informer (both take milliseconds). */
const settleMs = 1_000;

// ---- network namespaces ---------------------------------------------------------------------------------------

const prefix = 'capstan-es-';
interface Replica {
  name: string;
  netns: string;
  hostLink: string;
  address: string;
  hostAddress: string;
  process?: ChildProcess;
  log: string[];
}
const replicas: Replica[] = ['a', 'b'].map((name, i) => {
  const subnet = `10.200.${(process.pid % 100) * 2 + i}`;
  return {
    name: `replica-${name}`,
    netns: `${prefix}${process.pid}-${i}`,
    hostLink: `ces${process.pid}h${i}`,
    address: `${subnet}.2`,
    hostAddress: `${subnet}.1`,
    log: [],
  };
});

const ip = async (...args: string[]) => {
  try {
    return (await run('ip', args)).stdout;
  } catch (err) {
    throw new Error(`ip ${args.join(' ')} failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`, { cause: err });
  }
};

/** Remove the namespaces and host links of runs whose process is gone (a crash, a kill -9). */
async function removeLeftovers(): Promise<void> {
  const pidOf = (name: string) => Number(/^(?:capstan-es-|ces)(\d+)[-h]/.exec(name)?.[1]);
  for (const line of (await ip('netns', 'list')).split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (name.startsWith(prefix) && !isAlive(pidOf(name))) await ip('netns', 'del', name);
  }
  for (const line of (await ip('-o', 'link', 'show')).split('\n')) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1] ?? '';
    if (/^ces\d+h\d$/.test(name) && !isAlive(pidOf(name))) await ip('link', 'del', name);
  }
}

/** A network namespace with one end of a veth pair, the other end on the host; both addressed in a /24 of their own. */
async function createNetwork(r: Replica): Promise<void> {
  const inside = r.hostLink.replace(/h(\d)$/, 'n$1');
  await ip('netns', 'add', r.netns);
  await ip('link', 'add', r.hostLink, 'type', 'veth', 'peer', 'name', inside);
  await ip('link', 'set', inside, 'netns', r.netns);
  await ip('addr', 'add', `${r.hostAddress}/24`, 'dev', r.hostLink);
  await ip('link', 'set', r.hostLink, 'up');
  await ip('netns', 'exec', r.netns, 'ip', 'addr', 'add', `${r.address}/24`, 'dev', inside);
  await ip('netns', 'exec', r.netns, 'ip', 'link', 'set', inside, 'up');
  await ip('netns', 'exec', r.netns, 'ip', 'link', 'set', 'lo', 'up');
}

/** Deleting a namespace deletes its veth end, and with it the pair; the host end is deleted too in case it is not. */
function removeNetworksNow(): void {
  for (const r of replicas) {
    for (const args of [
      ['netns', 'del', r.netns],
      ['link', 'del', r.hostLink],
    ]) {
      try {
        execFileSync('ip', args, { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
  }
}

// ---- replicas ---------------------------------------------------------------------------------------------------

async function startReplica(r: Replica, certDir: string): Promise<void> {
  const child = spawn('ip', ['netns', 'exec', r.netns, process.execPath, replicaMain], {
    env: { ...process.env, CERT_DIR: certDir, REPLICA: r.name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  r.process = child;
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      r.log.push(text.trimEnd());
      if (text.includes('"ready"')) resolve();
    });
    child.stderr.on('data', (chunk: Buffer) => r.log.push(chunk.toString('utf8').trimEnd()));
    child.once('exit', (code, signal) =>
      reject(new Error(`${r.name} exited (${code ?? signal}) before it was ready:\n${r.log.join('\n')}`)),
    );
  });
  await Promise.race([
    ready,
    sleep(30_000).then(() => {
      throw new Error(`${r.name} not ready after 30 s:\n${r.log.join('\n')}`);
    }),
  ]);
}

async function stopReplica(r: Replica): Promise<void> {
  const child = r.process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  if ((await Promise.race([exited, sleep(5_000).then(() => 'timeout')])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

const path = webhookPath('validating', Routed);

/** How many admission requests `r` answered with 200, from its metrics, read over its address (from the host). */
async function answered(r: Replica): Promise<number> {
  const response = await fetch(`http://${r.address}:8080/metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  const series = `controller_runtime_webhook_requests_total{webhook="${path}",code="200"}`;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

// ---- the cluster ------------------------------------------------------------------------------------------------

let cp: ControlPlane;
let dir: string;
const timeline: string[] = [];
const started = Date.now();
const mark = (line: string) => timeline.push(`${((Date.now() - started) / 1000).toFixed(3).padStart(8)} s  ${line}`);
const describe = () =>
  `timeline:\n${timeline.join('\n')}\n${replicas.map((r) => `${r.name} (${r.address}) output:\n${r.log.join('\n')}`).join('\n')}`;

const slicePath = `/apis/discovery.k8s.io/v1/namespaces/${service.namespace}/endpointslices`;
const slice = (members: readonly Replica[]) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${service.name}-manual`, namespace: service.namespace, labels: { 'kubernetes.io/service-name': service.name } },
  addressType: 'IPv4',
  // The port's name must be the Service port's: the API server looks the Service port up by number, then the slice's by name.
  ports: [{ name: 'webhook', port: 9443, protocol: 'TCP' }],
  endpoints: members.map((r) => ({ addresses: [r.address], conditions: { ready: true } })),
});

/** Create `count` Routed objects, `concurrency` at a time; every create must pass. */
async function createMany(label: string, count: number): Promise<void> {
  let next = 0;
  const failures: string[] = [];
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const name = `${label}-${i}`;
      await cp.admin
        .request({
          method: 'POST',
          path: `/apis/${routedGroup}/v1/namespaces/${ns}/routeds`,
          body: { apiVersion: `${routedGroup}/v1`, kind: 'Routed', metadata: { name }, spec: { size: i } },
        })
        .catch((err: unknown) => failures.push(`${name}: ${(err as Error).message}`));
    }
  };
  const at = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  mark(`${label}: ${count} creates, ${concurrency} at a time, in ${Date.now() - at} ms; ${failures.length} failed`);
  assert.deepEqual(failures, [], `creates refused through the Service route\n${describe()}`);
}

before(async () => {
  await removeLeftovers();
  process.on('exit', removeNetworksNow);
  for (const r of replicas) await createNetwork(r);
  mark(`network namespaces ${replicas.map((r) => `${r.netns} (${r.address})`).join(', ')}`);

  cp = await startControlPlane({ crds: [testCrd(routedGroup, 'Routed')], apiServerFlags: ['--enable-aggregator-routing=true'] });
  dir = await mkdtemp(join(tmpdir(), 'capstan-webhook-route-'));
  const ca = createCertificateAuthority({ commonName: 'capstan-route-test-ca' });
  const dnsName = `${service.name}.${service.namespace}.svc`;
  const serving = issueServingCertificate(ca, { commonName: dnsName, hosts: [dnsName] });
  await writeFile(join(dir, 'tls.crt'), serving.cert);
  await writeFile(join(dir, 'tls.key'), serving.key);
  await Promise.all(replicas.map((r) => startReplica(r, dir)));
  mark('replicas ready');

  for (const name of [ns, service.namespace]) {
    await cp.admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name } } });
  }
  await cp.admin.request({
    method: 'POST',
    path: `/api/v1/namespaces/${service.namespace}/services`,
    body: {
      metadata: { name: service.name, namespace: service.namespace },
      // No selector: nothing but this test writes its EndpointSlices.
      spec: { type: 'ClusterIP', ports: [{ name: 'webhook', port: 443, targetPort: 9443, protocol: 'TCP' }] },
    },
  });
  await cp.admin.request({ method: 'POST', path: slicePath, body: slice(replicas) });
  const { validating } = webhookConfigurations([routedWebhooks('registration')], {
    name: 'capstan-route-test',
    clientConfig: { service, caBundle: Buffer.from(ca.cert).toString('base64') },
  });
  await cp.admin.request({
    method: 'POST',
    path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
    body: validating,
  });
  let lastProbe = '';
  await eventually(
    'the webhook to be reached through the Service',
    async () => {
      const probe = await cp.admin
        .request({
          method: 'POST',
          path: `/apis/${routedGroup}/v1/namespaces/${ns}/routeds`,
          query: { dryRun: 'All' },
          body: { apiVersion: `${routedGroup}/v1`, kind: 'Routed', metadata: { name: 'probe' }, spec: {} },
        })
        .then(
          () => 'allowed',
          (err: unknown) => (err as Error).message,
        );
      if (probe !== lastProbe) mark(`probe: ${probe}`);
      lastProbe = probe;
      return /refused by replica-/.test(probe) ? probe : undefined;
    },
    { timeoutMs: 30_000, describe },
  );
});

after(async () => {
  process.stdout.write(`# ${describe().replaceAll('\n', '\n# ')}\n`);
  for (const r of replicas) await stopReplica(r).catch(() => undefined);
  await cp?.stop();
  removeNetworksNow();
  process.off('exit', removeNetworksNow);
  if (dir) await rm(dir, { recursive: true, force: true });
  // Nothing of this run is left: the leftovers check of the next run would otherwise find it.
  const left = (await ip('netns', 'list')).split('\n').filter((l) => l.startsWith(`${prefix}${process.pid}-`));
  assert.deepEqual(left, [], 'network namespaces left behind');
});

test('two replicas behind one Service each answer a share of the admission requests, and none fails', { timeout: 120_000 }, async () => {
  const before = await Promise.all(replicas.map(answered));
  await createMany('both', requests);
  const delta = (await Promise.all(replicas.map(answered))).map((n, i) => n - before[i]!);
  mark(`answered: ${replicas.map((r, i) => `${r.name} ${delta[i]}`).join(', ')}`);
  process.stdout.write(`# ${requests} requests through the Service: ${replicas.map((r, i) => `${r.name} ${delta[i]}`).join(', ')}\n`);
  // Each request was answered once, by one replica (no retries, nothing lost)...
  assert.equal(
    delta.reduce((a, b) => a + b, 0),
    requests,
    describe(),
  );
  // ...and both took a share. The API server picks a replica per connection, and with `concurrency` requests held
  // `routedHandlerMs` each it opens several; all on one replica would be chance of about 2^-(connections-1).
  for (const [i, r] of replicas.entries()) assert.ok(delta[i]! > 0, `${r.name} answered none of ${requests}\n${describe()}`);
});

test('one replica removed from the EndpointSlice, then stopped: every request goes to the other, and none fails', {
  timeout: 120_000,
}, async () => {
  const [kept, removed] = replicas as [Replica, Replica];
  const current = await cp.admin.request<{ metadata: { resourceVersion: string } }>({ path: `${slicePath}/${service.name}-manual` });
  const update = slice([kept]);
  await cp.admin.request({
    method: 'PUT',
    path: `${slicePath}/${service.name}-manual`,
    body: { ...update, metadata: { ...update.metadata, resourceVersion: current.metadata.resourceVersion } },
  });
  mark(`${removed.name} removed from the EndpointSlice`);
  await stopReplica(removed);
  mark(`${removed.name} stopped (${removed.process?.signalCode ?? removed.process?.exitCode})`);
  await sleep(settleMs);
  const before = await answered(kept);
  await createMany('one', requests);
  const delta = (await answered(kept)) - before;
  mark(`answered: ${kept.name} ${delta}`);
  process.stdout.write(`# ${requests} requests with ${removed.name} out of the slice and stopped: ${kept.name} answered ${delta}\n`);
  // None failed (createMany), so none was routed to the stopped replica; and the other answered each once.
  assert.equal(delta, requests, `requests answered by ${kept.name}\n${describe()}`);
});
