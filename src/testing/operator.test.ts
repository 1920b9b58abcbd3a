// The runner's process lifecycle, with a stand-in for an operator (a script that serves /readyz and behaves as
// told by its environment): readiness from the announced probe port, stop, kill, and the failures a test
// must see. The cluster is never reached: credentials are given and leader election is off.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { metricsServingMessage, probesServingMessage } from '../internal/probe-log.ts';
import type { Cluster } from './cluster.ts';
import { startOperator, type StartOperatorOptions } from './operator.ts';

const dir = await mkdtemp(join(tmpdir(), 'capstan-operator-test-'));
after(() => rm(dir, { recursive: true, force: true }));

// FAKE_READY_AFTER_MS: /readyz 503 until then; FAKE_EXIT_ON_TERM: the exit code on SIGTERM, or "ignore";
// FAKE_CRASH_MS: exit 3 on its own after that long.
await writeFile(
  join(dir, 'fake-operator.mjs'),
  `import { createServer } from 'node:http';
const started = Date.now();
const readyAfter = Number(process.env.FAKE_READY_AFTER_MS ?? 0);
const server = createServer((req, res) => {
  if (req.url === '/readyz') res.writeHead(Date.now() - started >= readyAfter ? 200 : 503).end('ok');
  else if (req.url === '/metrics') res.writeHead(200).end('workqueue_depth{name="demo",controller="demo"} 4\\n');
  else res.writeHead(404).end();
});
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ level: 30, msg: 'starting', argv: process.argv.slice(2), kubeconfig: process.env.KUBECONFIG }));
  console.log(JSON.stringify({ level: 30, port: server.address().port, msg: ${JSON.stringify(probesServingMessage)} }));
  // As --metrics-insecure would: plain HTTP, read without a token (the fake cluster is never reached).
  console.log(JSON.stringify({ level: 30, port: server.address().port, secure: false, msg: ${JSON.stringify(metricsServingMessage)} }));
});
if (process.env.FAKE_CRASH_MS) setTimeout(() => { console.error('Error: boom'); process.exit(3); }, Number(process.env.FAKE_CRASH_MS));
process.on('SIGTERM', () => {
  if (process.env.FAKE_EXIT_ON_TERM === 'ignore') return;
  console.log(JSON.stringify({ level: 30, msg: 'shutting down' }));
  server.close();
  process.exit(Number(process.env.FAKE_EXIT_ON_TERM ?? 0));
});
`,
);

const cluster = {} as Cluster; // not reached with these options
const options = (env: Record<string, string> = {}, more: Partial<StartOperatorOptions> = {}): StartOperatorOptions => ({
  cluster,
  projectDir: dir,
  main: 'fake-operator.mjs',
  credentials: { kubeconfigPath: '/nowhere/operator.kubeconfig', username: 'system:serviceaccount:demo-system:demo-operator' },
  leaderElection: false,
  env,
  ...more,
});

test('ready once /readyz answers 200 on the port it announced; its flags, credentials, logs and metrics; stopped by SIGTERM', async () => {
  const operator = await startOperator(options({ FAKE_READY_AFTER_MS: '300' }, { args: ['--log-level=debug'] }));
  assert.equal(operator.running, true);
  assert.equal(operator.username, 'system:serviceaccount:demo-system:demo-operator');
  const first = JSON.parse(operator.logs[0]!) as { argv: string[]; kubeconfig: string };
  assert.deepEqual(first.argv, ['--health-port=0', '--metrics-port=0', '--log-level=debug']);
  assert.equal(first.kubeconfig, '/nowhere/operator.kubeconfig');
  assert.equal((await fetch(`http://127.0.0.1:${operator.probePort}/readyz`)).status, 200);
  assert.equal(await operator.metricValue('workqueue_depth', { controller: 'demo' }), 4);
  assert.equal(await operator.stop(), 0);
  assert.equal(operator.running, false);
  assert.equal(operator.stoppedOnPurpose, true);
  assert.match(operator.logs.at(-1)!, /shutting down/);
  assert.equal(await operator.stop(), 0, 'stopping again is harmless');
});

test('leader election flags name the Lease namespace', async () => {
  const operator = await startOperator(options({}, { leaderElection: { namespace: 'demo-system' } }));
  const first = JSON.parse(operator.logs[0]!) as { argv: string[] };
  assert.deepEqual(first.argv, ['--health-port=0', '--metrics-port=0', '--leader-elect', '--leader-election-namespace=demo-system']);
  await operator.stop();
});

test('a non-zero exit on SIGTERM fails stop() with its logs', async () => {
  const operator = await startOperator(options({ FAKE_EXIT_ON_TERM: '1' }));
  await assert.rejects(
    operator.stop(),
    /exited with 1 on SIGTERM; the operator \(pid \d+, system:serviceaccount:demo-system:demo-operator\)[^]*shutting down/,
  );
});

test('an operator that ignores SIGTERM is killed after the grace period, and stop() fails', async () => {
  const operator = await startOperator(options({ FAKE_EXIT_ON_TERM: 'ignore' }, { graceMs: 300 }));
  await assert.rejects(operator.stop(), /did not exit within 300 ms of SIGTERM/);
  assert.equal(operator.exitStatus, 'SIGKILL');
});

test('a crash on purpose (SIGKILL) is not a failure; an exit on its own is', async () => {
  const killed = await startOperator(options());
  killed.kill('SIGKILL');
  assert.equal(await killed.exited, 'SIGKILL');
  assert.equal(killed.stoppedOnPurpose, true);
  assert.equal(await killed.stop(), 'SIGKILL');

  const crashed = await startOperator(options({ FAKE_CRASH_MS: '200' }));
  assert.equal(await crashed.exited, 3);
  assert.equal(crashed.stoppedOnPurpose, false);
  assert.match(crashed.describe(), /exited with 3 on its own; its last log lines:\n[^]*Error: boom$/);
  await assert.rejects(crashed.stop(), /had exited on its own with 3/);
});

test('an exit before it is ready, or no readiness in time, rejects the start with its logs', async () => {
  await assert.rejects(
    startOperator(options({ FAKE_CRASH_MS: '0', FAKE_READY_AFTER_MS: '60000' })),
    /exited with 3 before it was ready[^]*Error: boom/,
  );
  await assert.rejects(startOperator(options({ FAKE_READY_AFTER_MS: '60000' }, { readyTimeoutMs: 500 })), /not ready within 500 ms/);
});

test('with t, it is stopped when the test ends; await using stops it too', async () => {
  const hooks: Array<() => Promise<void>> = [];
  const operator = await startOperator(options({}, { t: { after: (fn) => hooks.push(fn) } }));
  assert.equal(hooks.length, 1);
  await hooks[0]!();
  assert.equal(operator.exitStatus, 0);

  let pid: number;
  {
    await using disposable = await startOperator(options());
    pid = disposable.pid;
  }
  assert.throws(() => process.kill(pid, 0), /ESRCH/, 'gone once the block ends');
});
