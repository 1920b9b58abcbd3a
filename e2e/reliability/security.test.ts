// Issue 10, "Security": on a control plane of its own, the HelloWorld operator under its generated RBAC has
// exactly the rights config/rbac grants plus the built-in ones (kubectl auth can-i --list), none with a
// wildcard and none on Secrets; in namespace-scoped mode it reads nothing outside its namespace (audit log);
// its metrics and probe pages carry no object data; its logs carry no token and no kubeconfig contents, at
// debug and at the default level, through a network outage and a revoked token; and across the whole file
// the API server refused it nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, KubeClient } from '../../src/client/index.ts';
import { eventually, readMetrics, type RunningOperator, serviceAccountAllowed, startOperator } from '../../src/testing/index.ts';
import { uniqueName } from '../support/cluster.ts';
import { namespaceScoped } from '../hello-world/namespace-mode.ts';
import { Scenario } from '../hello-world/scenario.ts';
import { exampleOperator, kubectl, operatorAccount, runKubectl } from '../hello-world/support.ts';
import { credentialWords, kubeconfigSecrets, LeakDetector, leakWindow, type Secret } from './leaks.ts';
import { assertSameRights, builtIn, grantedRoles, parseCanIList, resourceRow, type RightsRow, rowKey, rowsOfRules } from './rbac-rights.ts';
import { HelloWorld, logLines, operatorUser, Rig, shipped, Timeline } from './rig.ts';

/**
 * A few HelloWorlds on a healthy control plane converge in one reconcile each (the queue's 5 ms base delay
 * and four requests); the margin is for a 2-core machine shared with other engineers' control planes.
 */
const convergeMs = 30_000;
/** After the proxy lets connections through again: the watch's reconnect backoff cap, then a relist and a reconcile (margin 30 s). */
const recoveryMs = shipped.watchBackoffCapMs + 30_000;
/** kube-apiserver remembers a successful token authentication this long: a revoked token works until then. */
const tokenCacheMs = 10_000;
/** The token cache, then one more request (margin 10 s). */
const revokedWithin = tokenCacheMs + 10_000;
/**
 * Once the token is refused: the change is reconciled after the queue's first delay (5 ms) and the cut
 * watches reconnect after the watch backoff's first step (0.8 s), each failing on its first request; margin 15 s.
 */
const failuresLoggedWithin = 800 + 15_000;
/** RBAC changes reach the API server's authorizer through its informers: seconds; margin to 30 s. */
const rbacPropagationMs = 30_000;
/** Long enough for the reconnects to be refused more than once (the backoff's first steps are 0.8 s, 1.6 s). */
const outageMs = 3_000;

let rig: Rig;

before(async () => {
  rig = await Rig.start();
});

after(async () => {
  await rig?.stop();
});

/**
 * What config/rbac grants, as data: the ClusterRoles (every namespace: the controller's rules, and the reviews that
 * guard /metrics), and the Lease Role (its namespace).
 */
const grantedEverywhere: RightsRow[] = [
  resourceRow('helloworlds.apps.example.com', ['get', 'list', 'watch']),
  resourceRow('helloworlds.apps.example.com/status', ['get', 'update', 'patch']),
  resourceRow('helloworlds.apps.example.com/finalizers', ['update']),
  resourceRow('configmaps', ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']),
  resourceRow('events.events.k8s.io', ['create', 'patch']),
  resourceRow('tokenreviews.authentication.k8s.io', ['create']),
  resourceRow('subjectaccessreviews.authorization.k8s.io', ['create']),
];
const grantedForLeases: RightsRow[] = [resourceRow('leases.coordination.k8s.io', ['get', 'create', 'update'])];

/** Wait until the API server's authorizer gives `user` (a ServiceAccount) these rights cluster-wide. */
async function rightsInEffect(user: string, rights: Array<{ verb: string; group: string; resource: string }>): Promise<void> {
  await eventually(
    `${user} to have ${rights.map((r) => `${r.verb} ${r.resource}`).join(', ')}`,
    async () => {
      for (const resourceAttributes of rights) {
        if (!(await serviceAccountAllowed(rig.admin, user, { resourceAttributes }))) return undefined;
      }
      return true;
    },
    { timeoutMs: rbacPropagationMs },
  );
}

const operatorRuns = [
  { verb: 'list', group: 'apps.example.com', resource: 'helloworlds' },
  { verb: 'list', group: '', resource: 'configmaps' },
  { verb: 'update', group: 'apps.example.com', resource: 'helloworlds/status' },
];

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

test('least privilege: kubectl auth can-i --list is exactly the generated rules plus the built-in ones; no wildcard, no Secrets', {
  timeout: 120_000,
}, async () => {
  // The data above is what `capstan generate` wrote: the generated config and the expectation agree.
  const roles = await grantedRoles();
  const clusterRoles = roles.filter((r) => r.kind === 'ClusterRole');
  const leaseRoles = roles.filter((r) => r.kind === 'Role');
  assertSameRights('config/rbac ClusterRole', rowsOfRules(clusterRoles.flatMap((r) => r.rules)), grantedEverywhere);
  assertSameRights('config/rbac Role', rowsOfRules(leaseRoles.flatMap((r) => r.rules)), grantedForLeases);
  assert.deepEqual(
    leaseRoles.map((r) => r.namespace),
    [operatorAccount.namespace],
    "the only Role is the Lease one, in the operator's namespace",
  );
  const wildcards = roles.flatMap((role) =>
    role.rules.flatMap((rule) =>
      Object.entries(rule)
        .filter(([, values]) => Array.isArray(values) && (values as string[]).some((v) => v.includes('*')))
        .map(([field, values]) => `${role.file}: ${field} ${JSON.stringify(values)}`),
    ),
  );
  assert.deepEqual(wildcards, [], 'no wildcard in any rule the project grants');

  const elsewhere = await rig.namespace('sec-rights');
  const views: Array<[string, string[], RightsRow[]]> = [
    ["the kubeconfig's namespace (default)", [], [...grantedEverywhere, ...builtIn]],
    [elsewhere, [`--namespace=${elsewhere}`], [...grantedEverywhere, ...builtIn]],
    [operatorAccount.namespace, [`--namespace=${operatorAccount.namespace}`], [...grantedEverywhere, ...grantedForLeases, ...builtIn]],
  ];
  for (const [where, namespaceFlag, expected] of views) {
    const rows = parseCanIList(await kubectl(rig.cp.kubeconfigPath, ['auth', 'can-i', '--list', `--as=${operatorUser}`, ...namespaceFlag]));
    process.stdout.write(
      `# kubectl auth can-i --list in ${where}: ${rows.length} rows (${new Set(rows.map(rowKey)).size} distinct), ${expected.length} expected\n`,
    );
    assertSameRights(`kubectl auth can-i --list --as=${operatorUser} in ${where}`, rows, expected);
    assert.deepEqual(rows.filter((r) => /^secrets($|[./])/.test(r.resource)).map(rowKey), [], `no right on Secrets in ${where}`);
    assert.deepEqual(
      rows.filter((r) => r.resource.includes('*') || r.verbs.includes('*')).map(rowKey),
      [],
      `no wildcard resource or verb in ${where}`,
    );
  }
  // Asked directly too: kubectl answers "no" (exit code 1) for every way of reading a Secret.
  for (const verb of ['get', 'list', 'watch']) {
    for (const scope of ['--all-namespaces', `--namespace=${operatorAccount.namespace}`]) {
      const answer = await runKubectl(rig.cp.kubeconfigPath, ['auth', 'can-i', verb, 'secrets', scope, `--as=${operatorUser}`]);
      assert.deepEqual([answer.code, answer.stdout.trim()], [1, 'no'], `kubectl auth can-i ${verb} secrets ${scope}: ${answer.stderr}`);
    }
  }
});

test('namespace-scoped mode (two namespaces) never lists, watches or gets outside them (audit log)', { timeout: 180_000 }, async () => {
  // namespace-mode.ts (the HelloWorld e2e) sets the mode up as a user does and asserts the served namespace
  // converges, the other is left alone (no status, no ConfigMap) and nothing is refused; here the same run
  // is judged from the API server's side: where every request of the operator went.
  const s = new Scenario(rig.cp, rig.operatorKubeconfig, rig.installedAt);
  const from = Date.now();
  const { watched } = await namespaceScoped(s);
  const until = Date.now();
  const requests = (await rig.cp.auditEvents()).filter(
    (e) =>
      e.user.username === operatorUser &&
      Date.parse(e.requestReceivedTimestamp) >= from - 1 &&
      Date.parse(e.requestReceivedTimestamp) <= until + 1,
  );
  const outside = requests.filter(
    (e) =>
      e.objectRef?.resource !== undefined &&
      !watched.includes(e.objectRef.namespace ?? '') &&
      !(e.objectRef.resource === 'leases' && e.objectRef.namespace === operatorAccount.namespace),
  );
  const read = (resource: string, verb: string) => requests.filter((e) => e.objectRef?.resource === resource && e.verb === verb).length;
  process.stdout.write(
    `# namespace mode: ${requests.length} audit events of the operator, ${requests.filter((e) => ['get', 'list', 'watch'].includes(e.verb)).length} reads; ` +
      `helloworlds list ${read('helloworlds', 'list')} watch ${read('helloworlds', 'watch')}, configmaps list ${read('configmaps', 'list')} watch ${read('configmaps', 'watch')}; ` +
      `outside ${watched.join(', ')} and the Lease: ${outside.length}\n`,
  );
  assert.deepEqual(
    outside.map((e) => `${e.verb} ${e.requestURI}`),
    [],
    `every request in ${watched.join(' or ')}, on the Lease in ${operatorAccount.namespace}, or a non-resource URL`,
  );
  // The check above judged real traffic: both caches listed and watched in each namespace (a streaming list is
  // one watch request with sendInitialEvents=true that does both; a plain list where the server refuses that).
  for (const namespace of watched) {
    for (const resource of ['helloworlds', 'configmaps']) {
      const ofResource = requests.filter((e) => e.objectRef?.resource === resource && e.objectRef.namespace === namespace);
      assert.ok(
        ofResource.some((e) => e.verb === 'list' || /[?&]sendInitialEvents=true/.test(e.requestURI)),
        `a list of ${resource} in ${namespace} in the audit log`,
      );
      assert.ok(
        ofResource.some((e) => e.verb === 'watch'),
        `a watch of ${resource} in ${namespace} in the audit log`,
      );
    }
  }
  // namespaceScoped put the cluster-wide grant back; the next operator must not meet the old one.
  await rightsInEffect(operatorUser, operatorRuns);
});

/** The ServiceAccounts of the log test, whose 403s count too (a revoked token gets 401, never 403). */
const revokable: string[] = [];
/** The operator of the probe test and its objects, which the log test goes on with. */
let probed: { operator: RunningOperator; namespace: string; names: string[] } | undefined;

test('/metrics, /healthz and /readyz expose no object data', { timeout: 120_000 }, async () => {
  const timeline = new Timeline();
  const namespace = await rig.namespace(`sec-${hex(4)}`);
  const tag = hex(8);
  const specs = Array.from({ length: 4 }, () => `spec ${hex(8)} ${hex(8)}`);
  const operator = await rig.startOperator();
  await rig.leading(operator);
  timeline.mark('the operator leads');
  const names = await rig.createHelloWorlds(namespace, 3, { prefix: `hw-${tag}`, specName: (i) => specs[i]! });
  timeline.mark('3 HelloWorlds created with marker names and spec.names');
  await rig.converged([namespace], convergeMs, timeline);
  // An update and a delete too, so every path a reconcile takes has run before the pages are read.
  await rig.setName(namespace, names[0]!, specs[3]!);
  await rig.admin.resource(HelloWorld).delete(names[2]!, { namespace });
  timeline.mark('one spec.name changed, one HelloWorld deleted');
  await rig.converged([namespace], convergeMs, timeline);
  probed = { operator, namespace, names: names.slice(0, 2) };

  const detector = new LeakDetector([
    { what: 'the namespace', value: namespace },
    { what: 'the name tag', value: tag },
    ...names.map((name) => ({ what: 'a HelloWorld and ConfigMap name', value: name })),
    ...specs.map((spec) => ({ what: 'a spec.name (data.message)', value: spec })),
    ...specs.flatMap((spec) =>
      spec
        .split(' ')
        .slice(1)
        .map((piece) => ({ what: 'part of a spec.name', value: piece })),
    ),
    ...(await kubeconfigSecrets(rig.operatorKubeconfig, 'the operator')),
  ]);
  // The detector knows the objects' data when it sees it: the HelloWorlds and ConfigMaps as the API serves them.
  const served = JSON.stringify([
    await rig.admin.resource(HelloWorld).listAll({ namespace }),
    await rig.admin.request({ path: `/api/v1/namespaces/${namespace}/configmaps` }),
  ]);
  for (const what of ['the namespace', 'a HelloWorld and ConfigMap name', 'a spec.name (data.message)']) {
    assert.ok(
      detector.find(served).some((found) => found.startsWith(what)),
      `the detector finds ${what} in the objects themselves`,
    );
  }
  const pages = new Map<string, string>();
  for (const path of ['/healthz', '/healthz?verbose', '/livez?verbose', '/readyz', '/readyz?verbose']) {
    const response = await fetch(`http://127.0.0.1:${operator.probePort}${path}`);
    const body = await response.text();
    assert.equal(response.status, 200, `${path}: ${body}`);
    pages.set(path, body);
    assert.deepEqual(detector.find(body), [], `${path} gives nothing away:\n${body.slice(0, 3000)}`);
  }
  // /metrics only on its own port, over HTTPS, for a caller allowed to get /metrics (a metrics-reader's token).
  assert.equal((await fetch(`http://127.0.0.1:${operator.probePort}/metrics`)).status, 404, 'the probe port serves no /metrics');
  await assert.rejects(
    readMetrics(operator.metricsPort, { token: 'not-a-token' }),
    /: 401: /,
    'a token the API server does not know is refused',
  );
  const metricsPage = await operator.metrics();
  pages.set('/metrics', metricsPage);
  assert.deepEqual(detector.find(metricsPage), [], `/metrics gives nothing away:\n${metricsPage.slice(0, 3000)}`);
  // The pages read are the real ones, after the work: the reconciles are counted, the checks itemised.
  const metrics = pages.get('/metrics')!;
  const reconciles = [...metrics.matchAll(/^controller_runtime_reconcile_total\{[^}]*\} (\d+)$/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
  assert.ok(reconciles >= 5, `controller_runtime_reconcile_total counts the reconciles (${reconciles}):\n${metrics.slice(0, 2000)}`);
  assert.match(pages.get('/readyz?verbose')!, /^\[\+\]cache helloworlds ok$/m);
  assert.match(pages.get('/healthz?verbose')!, /^\[\+\]\w+ ok$/m);
  process.stdout.write(
    `# probe pages: /metrics ${metrics.length} bytes, ${metrics.split('\n').filter((l) => l && !l.startsWith('#')).length} samples, ` +
      `${reconciles} reconciles counted; /readyz?verbose ${pages.get('/readyz?verbose')!.trim().split('\n').length} lines; no marker, name, namespace or token piece in any\n`,
  );
});

test('the operator never logs its token or kubeconfig contents: debug and default level, an outage, a revoked token', {
  timeout: 240_000,
}, async () => {
  assert.ok(probed, 'the probe test left its operator running');
  const timeline = new Timeline();
  const { operator: debugOperator, namespace } = probed;

  // A failure path for the operator with the rig's token, at debug level: every connection reset, then
  // refused for a while, then back.
  const cut = timeline.mark(`connections reset, refused for ${outageMs} ms`);
  rig.proxy.resetConnections();
  rig.proxy.refuseConnections();
  await sleep(outageMs);
  rig.proxy.pass();
  timeline.mark('connections pass again');
  await rig.setName(namespace, probed.names[1]!, `after the outage ${hex(4)}`);
  await rig.converged([namespace], recoveryMs, timeline);
  const complaints = logLines(debugOperator).filter((l) => l.time >= cut && l.level >= 40);
  assert.ok(complaints.length > 0, timeline.explain('the outage was logged as a failure (warn or error)'));
  await debugOperator.stop();
  timeline.mark('the first operator stopped');

  // Two more operators, each under a ServiceAccount of its own with the generated rights (the ClusterRoles,
  // and the Lease Role's rules in a namespace of its own, so neither waits for the other's Lease), each
  // serving one namespace: one at debug level, one at the default level. Their ServiceAccounts are then
  // deleted, which revokes their tokens: every request after that is answered 401.
  const roles = await grantedRoles();
  const clusterRoles = roles.filter((r) => r.kind === 'ClusterRole').map((r) => ({ kind: 'ClusterRole' as const, name: r.name }));
  // A Role has no non-resource URLs: its rules are PolicyRules.
  const leaseRules = roles
    .find((r) => r.kind === 'Role')!
    .rules.map((r) => ({ apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], verbs: r.verbs }));
  const runs = await Promise.all(
    ['debug', 'default'].map(async (level) => {
      const leaseNamespace = uniqueName('sec-lease');
      const account = await rig.cp.serviceAccountKubeconfig({
        namespace: leaseNamespace,
        name: operatorAccount.name,
        rules: leaseRules,
        bind: clusterRoles,
        server: rig.proxy.url,
      });
      return { level, leaseNamespace, account, namespace: await rig.namespace(`sec-logs-${level}`) };
    }),
  );
  revokable.push(...runs.map((r) => r.account.username));
  for (const run of runs) await rightsInEffect(run.account.username, operatorRuns);
  const scope = (run: (typeof runs)[number]) => [`--namespace=${run.namespace}`, `--leader-election-namespace=${run.leaseNamespace}`];
  const [debugRun, defaultRun] = runs as [(typeof runs)[number], (typeof runs)[number]];
  const verbose = await rig.startOperator(scope(debugRun), {
    kubeconfigPath: debugRun.account.kubeconfigPath,
    username: debugRun.account.username,
  });
  // Not through the rig, which adds --log-level=debug: no --log-level at all.
  const quiet = await startOperator({
    ...exampleOperator(rig.cp, defaultRun.account.kubeconfigPath, defaultRun.account.username),
    args: scope(defaultRun),
  });
  try {
    await Promise.all([rig.leading(verbose), rig.leading(quiet)]);
    timeline.mark('the debug-level and default-level operators lead');
    for (const run of runs) await rig.createHelloWorlds(run.namespace, 3, { specName: (i) => `logged ${i}` });
    await rig.converged(
      runs.map((r) => r.namespace),
      convergeMs,
      timeline,
    );

    for (const run of runs)
      await rig.admin.request({
        method: 'DELETE',
        path: `/api/v1/namespaces/${run.leaseNamespace}/serviceaccounts/${run.account.username.split(':')[3]}`,
      });
    const revoked = timeline.mark('both ServiceAccounts deleted: their tokens revoked');
    for (const run of runs) {
      const client = await KubeClient.fromKubeconfig({ kubeconfigPath: run.account.kubeconfigPath, timeoutMs: 5_000 });
      try {
        await eventually(
          `the API server to refuse the ${run.level}-level operator's token`,
          async () =>
            client.request({ path: '/api' }).then(
              () => undefined,
              (err: unknown) => (err instanceof ApiError && err.httpStatus === 401) || undefined,
            ),
          { timeoutMs: revokedWithin },
        );
      } finally {
        await client.close();
      }
    }
    const refused = timeline.mark('the API server refuses both tokens');
    process.stdout.write(`# tokens refused ${refused - revoked} ms after their ServiceAccounts' deletion (bound ${revokedWithin} ms)\n`);
    // Work that now fails: a change to reconcile (its writes get 401), then watches cut so they reconnect.
    const failedWith401 = async (what: string, since: number) => {
      for (const [run, operator] of [
        [debugRun, verbose],
        [defaultRun, quiet],
      ] as const) {
        const logged = () =>
          logLines(operator).some((l) => l.time >= since && l.msg.startsWith(what) && / 401 Unauthorized/.test(JSON.stringify(l)));
        await eventually(`"${what}" with a 401 in the ${run.level}-level operator's log`, async () => logged() || undefined, {
          timeoutMs: failuresLoggedWithin,
        }).catch((err: Error) => {
          throw new Error(timeline.explain(`${err.message}\nits last lines:\n${operator.logs.slice(-10).join('\n')}`));
        });
        const seen = timeline.mark(`the ${run.level}-level operator logged "${what}" with a 401`);
        process.stdout.write(
          `# the ${run.level}-level operator logged "${what}" with a 401 ${seen - since} ms after the cause (bound ${failuresLoggedWithin} ms)\n`,
        );
      }
    };
    const changed = timeline.mark('a HelloWorld changed in each namespace');
    for (const run of runs) await rig.setName(run.namespace, 'hw-0', `changed after the revocation ${hex(4)}`);
    await failedWith401('reconcile failed', changed);
    const reset = timeline.mark('every connection reset');
    rig.proxy.resetConnections();
    await failedWith401('watch request failed', reset);
    assert.ok(logLines(quiet).length > 0 && logLines(quiet).every((l) => l.level >= 30), 'the default level logs nothing below info');
    assert.ok(
      logLines(verbose).some((l) => l.msg === 'request' && l['code'] === '401'),
      'the debug request log shows the 401s',
    );
    assert.deepEqual([verbose.exitStatus, quiet.exitStatus], [undefined, undefined], 'a revoked token does not end the process');
  } finally {
    for (const operator of [verbose, quiet]) {
      if (!operator.running) continue;
      operator.kill('SIGTERM');
      const timer = setTimeout(() => operator.kill('SIGKILL'), shipped.shutdownGraceMs + 10_000);
      await operator.exited.finally(() => clearTimeout(timer));
    }
  }

  const secrets: Secret[] = [
    ...(await kubeconfigSecrets(rig.operatorKubeconfig, 'the operator')),
    ...(await Promise.all(runs.map((r) => kubeconfigSecrets(r.account.kubeconfigPath, `the ${r.level}-level operator`)))).flat(),
    ...credentialWords,
  ];
  assert.ok(
    secrets.some((secret) => secret.value === rig.token),
    "the rig's token is among the secrets looked for",
  );
  const detector = new LeakDetector(secrets);
  // The detector would see a kubeconfig printed, its CA decoded, or any 16 characters of a token.
  for (const path of [rig.operatorKubeconfig, ...runs.map((r) => r.account.kubeconfigPath)]) {
    const text = await readFile(path, 'utf8');
    const found = [
      ...detector.find(text),
      ...detector.find(Buffer.from(/certificate-authority-data: (\S+)/.exec(text)![1]!, 'base64').toString('utf8')),
    ];
    for (const what of ['token', 'certificate-authority-data', 'CA certificate (PEM body)', 'a kubeconfig key', 'a PEM block']) {
      assert.ok(
        found.some((f) => f.includes(what)),
        `the detector finds the ${what} of ${path} printed; it found ${found.map((f) => f.split(':')[0]).join(', ')}`,
      );
    }
  }
  assert.ok(
    detector.find(`err: "…${rig.token.slice(300, 300 + leakWindow)}…"`).length > 0,
    'the detector finds a 16-character piece of the token',
  );
  const logs: Array<[string, RunningOperator]> = [
    ["debug level, the rig's token", debugOperator],
    ['debug level, revoked', verbose],
    ['default level, revoked', quiet],
  ];
  for (const [which, operator] of logs) {
    const leaks = operator.logs.flatMap((line, i) =>
      detector.find(line).map((what) => `line ${i + 1}: ${what}\n    ${line.slice(0, 400)}`),
    );
    assert.deepEqual(leaks, [], `the operator's log (${which}) gives nothing away`);
    process.stdout.write(
      `# log (${which}): ${operator.logs.length} lines, ${operator.logs.reduce((n, l) => n + l.length, 0)} characters, ` +
        `${operator.logs.filter((l) => /"level":(40|50)/.test(l)).length} warn/error lines, ${operator.logs.filter((l) => / 401 Unauthorized/.test(l)).length} with a 401; ` +
        'no token piece, CA piece or credential word\n',
    );
  }
});

test('the operators were refused nothing across the file (audit log, since waitForKind)', async () => {
  const users = [operatorUser, ...revokable];
  const audited = (await rig.cp.auditEvents()).filter(
    (e) => users.includes(e.user.username) && e.stage === 'ResponseComplete' && new Date(e.requestReceivedTimestamp) >= rig.installedAt,
  );
  process.stdout.write(
    `# audit log: ${audited.length} completed requests of ${users.length} operator accounts, ` +
      `${audited.filter((e) => e.responseStatus?.code === 403).length} answered 403\n`,
  );
  assert.ok(audited.length > 50, `the operators' requests are in the audit log (${audited.length})`);
  assert.deepEqual(await rig.forbidden(users), []);
});
