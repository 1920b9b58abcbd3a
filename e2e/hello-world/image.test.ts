// The operator image without a container engine. The example is copied as a user's project would be (its
// `capstan` dependency the `npm pack` tarball of this repository, a package-lock.json generated for it), its
// Dockerfile replayed instruction by instruction (e2e/support/dockerfile-replay.ts), and the image's ENTRYPOINT
// started with the args and env of config/manager/deployment.yaml's container, as the kubelet would: in a
// private mount namespace with the service account volume at its real path, as the image's user, with a Pod's
// environment and no kubeconfig (e2e/support/pod-environment.ts). It runs with exactly config/rbac's rights and
// reconciles a HelloWorld; then its token is invalidated (bound to a Secret that is deleted) and rotated on disk
// as the kubelet rotates it, and the same process goes on without a restart.
//
// On a control plane of its own (about 10 s warm to start): it applies the example's namespace, RBAC and CRD,
// which the HelloWorld suites on the shared control plane create and delete for themselves.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, cp as copy, lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { parse } from 'yaml';
import { isNotFound } from '../../src/client/index.ts';
import { jitterFactor } from '../../src/leader/options.ts';
import {
  type ControlPlane,
  createNamespace,
  eventually,
  forbiddenSince,
  isObjectWrite,
  kubectl,
  startControlPlane,
} from '../../src/testing/index.ts';
import { freePort } from '../../src/testing/ports.ts';
import { repoRoot } from '../cli/run-cli.ts';
import { parseDockerfile, type ReplayedImage, replayDockerfile } from '../support/dockerfile-replay.ts';
import { type PodProcess, podEnvironment, requestBoundToken, ServiceAccountVolume, startInPod } from '../support/pod-environment.ts';
import { exampleRoot, group, operatorAccount, operatorUser } from './support.ts';

const exec = promisify(execFile);
const namespace = operatorAccount.namespace;
// Leader election as the example's main.ts runs it (its flags set no timings): the defaults of src/leader/options.ts.
const retryPeriodMs = 2_000;
const renewDeadlineMs = 10_000;
// kube-apiserver caches a successful token authentication for 10 s: a token is refused at most that long after
// the Secret it is bound to is deleted.
const tokenCacheTtlMs = 10_000;
// Margin on a 2-core machine shared with other suites: a request, a reconcile and a write take well under it.
const marginMs = 15_000;

let cp: ControlPlane;
let work: string;
let context: string;
let image: ReplayedImage;
let operator: PodProcess | undefined;
/** What the rotation test takes over from the run before it. */
let rotation:
  | { volume: ServiceAccountVolume; ca: string; first: { token: string; secret: string }; ns: string; installedAt: Date }
  | undefined;
const started = Date.now();
const timeline: string[] = [];
const mark = (what: string) => timeline.push(`${((Date.now() - started) / 1000).toFixed(2).padStart(7)} s  ${what}`);

/** The timeline of the file and the operator's last lines, appended to a failure. */
function explain(err: unknown): Error {
  const lines = (operator?.output ?? [])
    .slice(-40)
    .map((l) => `  ${((l.at - started) / 1000).toFixed(2)} s ${l.stream}: ${l.text.slice(0, 400)}`);
  const message = `${(err as Error).message}\n# timeline\n${timeline.join('\n')}\n# operator's last lines\n${lines.join('\n')}`;
  return new Error(message, { cause: err });
}

/** Run `fn`; a failure carries the timeline. */
async function withTimeline(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    throw explain(err);
  }
}

/** Run a command in the build context (npm with the project's Node 24 first on PATH). */
async function sh(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}` };
    delete env['NODE_OPTIONS'];
    delete env['NODE_TEST_CONTEXT'];
    return (await exec(command, args, { cwd, env, maxBuffer: 64 << 20 })).stdout;
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`, { cause: err });
  }
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'capstan-image-'));
  // The image's user must reach the replayed image and the service account volume under it.
  await chmod(work, 0o755);
  cp = await startControlPlane({ crds: [join(exampleRoot, 'config', 'crd')], log: (line) => mark(`control plane: ${line}`) });
  mark('control plane started');
});

after(async () => {
  await operator?.stop();
  await cp?.stop();
  await rm(work, { recursive: true, force: true });
});

test('the replayer joins continuations, drops comments, and refuses what it cannot replay, naming the line', async () => {
  assert.deepEqual(parseDockerfile('# the image\nFROM base \\\n  AS deps\n\nRUN a \\\n# why b\n  && b\n'), [
    { line: 2, keyword: 'FROM', rest: 'base AS deps' },
    { line: 5, keyword: 'RUN', rest: 'a && b' },
  ]);
  const root = await mkdtemp(join(work, 'refusals-'));
  const refusals: Array<[string, RegExp]> = [
    ['RUN true', /line 1 .*before the first FROM/],
    ['FROM base\nENV NODE_ENV=production', /line 2 .*the instruction ENV is not replayed/],
    ['FROM base\nCOPY --chown=65532 src ./src', /line 2 .*the flag --chown=65532 is not replayed/],
    ['FROM base\nCOPY src/*.ts ./', /line 2 .*without wildcards/],
    ['FROM base\nCOPY missing ./', /line 2 .*missing does not exist in the context/],
    ['FROM base\nCOPY --from=build /app ./', /line 2 .*no earlier stage is named build/],
    ['FROM base\nUSER nonroot', /line 2 .*only a numeric USER/],
    ['FROM base\nENTRYPOINT node src/main.ts', /line 2 .*exec \(JSON array\) form/],
    ['FROM base\nENTRYPOINT ["/usr/bin/env", "node"]', /\/usr\/bin\/env is a base image's file the replay has no stand-in for/],
  ];
  for (const [dockerfile, refusal] of refusals) {
    const stageRoot = await mkdtemp(join(root, 'stages-'));
    await assert.rejects(
      replayDockerfile(dockerfile, { context: root, root: stageRoot, imagePaths: { '/nodejs/bin/node': process.execPath }, runEnv: {} }),
      refusal,
      dockerfile,
    );
  }
});

test('the Dockerfile replays into an image holding the production dependencies, capstan from its tarball', {
  timeout: 300_000,
}, async () => {
  await withTimeline(async () => {
    // A user's project: the example without its link to this repository, `capstan` from the tarball npm would
    // publish (dist/ is built first by npm test; --ignore-scripts: prepack's clean rebuild would pull dist/ from
    // under the suites running beside this one), and the lock file a user commits.
    await sh('npm', ['pack', '--ignore-scripts', '--loglevel=warn', '--pack-destination', work], repoRoot);
    const tarball = join(work, (await readdir(work)).find((f) => /^capstan-.*\.tgz$/.test(f))!);
    context = join(work, 'context');
    await mkdir(context);
    for (const entry of await readdir(exampleRoot)) {
      if (entry !== 'node_modules') await copy(join(exampleRoot, entry), join(context, entry), { recursive: true, verbatimSymlinks: true });
    }
    const pkgPath = join(context, 'package.json');
    const pkg = JSON.parse(await readFile(pkgPath, 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    pkg.dependencies['capstan'] = `file:${tarball}`;
    await writeFile(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
    await sh('npm', ['install', '--package-lock-only', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], context);
    // npm records a file: dependency relative to the project, which a stage's /app is not; a registry's URL is
    // absolute, and so is the tarball's path here.
    const lockPath = join(context, 'package-lock.json');
    await writeFile(
      lockPath,
      (await readFile(lockPath, 'utf8')).replaceAll(/"file:[^"]*capstan-[^"]*\.tgz"/g, JSON.stringify(`file:${tarball}`)),
    );
    mark('build context ready (packed, locked)');

    image = await replayDockerfile(await readFile(join(context, 'Dockerfile'), 'utf8'), {
      context,
      root: join(work, 'image'),
      imagePaths: { '/nodejs/bin/node': process.execPath },
      // The node:24-slim stage's npm and node are the project's Node 24; npm's cache stands in for a build cache.
      runEnv: {
        PATH: `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
        HOME: process.env['HOME'],
        npm_config_prefer_offline: 'true',
      },
      log: mark,
    });
    mark(`replayed: user ${image.user.uid}:${image.user.gid}, entrypoint ${JSON.stringify(image.entrypoint)}`);

    const capstan = await lstat(join(image.workdir, 'node_modules', 'capstan'));
    assert.ok(capstan.isDirectory(), 'node_modules/capstan is a copy of the tarball, not a link');
    await lstat(join(image.workdir, 'node_modules', 'capstan', 'dist', 'index.js'));
    // The image runs what its build stage compiled; the TypeScript sources (and type stripping) stay out of it.
    assert.equal(image.entrypoint.at(-1), 'dist/main.js');
    await lstat(join(image.workdir, 'dist', 'main.js'));
    await assert.rejects(lstat(join(image.workdir, 'src')), { code: 'ENOENT' }, 'src/ is not in the image');
    for (const dev of Object.keys(pkg.devDependencies)) {
      await assert.rejects(lstat(join(image.workdir, 'node_modules', dev)), { code: 'ENOENT' }, `devDependency ${dev} is not in the image`);
    }
    const deployment = parse(await readFile(join(context, 'config', 'manager', 'deployment.yaml'), 'utf8')) as {
      spec: { template: { spec: { securityContext: { runAsUser: number; runAsGroup: number } } } };
    };
    const { runAsUser, runAsGroup } = deployment.spec.template.spec.securityContext;
    assert.deepEqual(image.user, { uid: runAsUser, gid: runAsGroup }, "the image's USER is the Deployment's runAsUser and runAsGroup");
  });
});

test("the image's command, started as the kubelet starts the Deployment's container, reconciles a HelloWorld with config/rbac's rights", {
  timeout: 300_000,
}, async () => {
  assert.ok(image, 'the replay ran');
  await withTimeline(async () => {
    // What a user installs besides the Deployment (there is no kubelet to run it): the namespace, the CRD
    // (given to the control plane at its start, applied again here as the README says) and the RBAC.
    const installedAt = new Date();
    for (const args of [
      ['apply', '-f', 'config/manager/namespace.yaml'],
      ['apply', '-k', 'config/crd'],
      ['apply', '-k', 'config/rbac'],
    ]) {
      await kubectl(cp, args, { cwd: context });
    }
    await cp.waitForKind(group, 'v1alpha1', 'HelloWorld', { probeFields: { spec: { name: 'probe' } } });
    mark('namespace, CRD and RBAC applied');

    const volume = new ServiceAccountVolume(join(work, 'serviceaccount'), image.user);
    await mkdir(volume.dir);
    const ca = await readFile(cp.describe().caCertPath, 'utf8');
    const first = await boundToken('token-binding-first');
    await volume.write({ token: first.token, 'ca.crt': ca, namespace });

    const container = managerContainer(parse(await readFile(join(context, 'config', 'manager', 'deployment.yaml'), 'utf8')));
    const podName = 'hello-world-operator-6d9f7c8b5-x2x7q';
    const ports = { health: await freePort(), metrics: await freePort() };
    // The one change from what the kubelet passes: the Pod's own network namespace would have its ports free;
    // this one shares the host's with other suites.
    const args = container.args.map((arg) =>
      arg
        .replace(/^--health-port=\d+$/, `--health-port=${ports.health}`)
        .replace(/^--metrics-port=\d+$/, `--metrics-port=${ports.metrics}`),
    );
    const env = podEnvironment({
      apiServerUrl: cp.apiServerUrl,
      podName,
      home: '/home/nonroot',
      env: container.env({ namespace, name: podName }),
    });
    mark(`starting ${JSON.stringify([...image.entrypoint, ...args])} in ${image.workdir}`);
    operator = startInPod({ command: [...image.command, ...args], cwd: image.workdir, user: image.user, env, volume });

    // The kubelet restarts a container whose /healthz fails for initialDelaySeconds + periodSeconds ×
    // failureThreshold of its livenessProbe: the operator must answer within that, and be ready (leading,
    // caches synced) within it too.
    const liveness = container.livenessProbe;
    const livenessBoundMs = (liveness.initialDelaySeconds + liveness.periodSeconds * liveness.failureThreshold) * 1000;
    await probeOk(ports.health, '/readyz', livenessBoundMs);
    mark(`/readyz answers 200 (bound ${livenessBoundMs} ms, from the livenessProbe)`);
    assert.equal(operator.exit, undefined);

    // Kept for the rotation test; it goes with the control plane.
    const ns = await createNamespace(cp, 'image');
    await createHelloWorld(ns, 'from-the-image', 'Hello from the image!');
    await configMapMessage(ns, 'from-the-image', 'Hello from the image!', marginMs);
    mark('HelloWorld from-the-image has its ConfigMap');

    await assertWroteConfigMap(
      ns,
      'from-the-image',
      installedAt.getTime(),
      'the ConfigMap was written with the token of the mounted volume',
    );
    assert.deepEqual(await forbiddenSince(cp, operatorUser, installedAt), [], 'config/rbac grants every right the operator uses');

    rotation = { volume, ca, first, ns, installedAt };
  });
});

test('a token invalidated and rotated on disk is picked up by the same process, which goes on leading and reconciling', {
  timeout: 300_000,
}, async () => {
  assert.ok(rotation && operator, 'the operator ran in its Pod');
  const { volume, ca, first, ns, installedAt } = rotation;
  const running = operator;
  await withTimeline(async () => {
    // The token the operator holds is refused once the Secret it is bound to is gone.
    const deletedAt = Date.now();
    await cp.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}/secrets/${first.secret}` });
    mark(`Secret ${first.secret} deleted`);
    await eventually('the first token is refused', async () => (await statusWith(first.token, ca)) === 401, {
      timeoutMs: tokenCacheTtlMs + marginMs,
      intervalMs: 100,
    });
    mark('the API server refuses the first token (401)');

    // The operator's next Lease renewal (every retryPeriod while it leads) is refused: its client re-reads the
    // token file, finds the same token, and the elector reports the failure and keeps leading until the renew
    // deadline. Seeing that failure proves the operator held the first token when it was invalidated.
    const refusedBoundMs = retryPeriodMs * (1 + jitterFactor) + marginMs;
    const refused = await running.waitForLine(
      'that a renewal was refused for the token',
      (text) => {
        const line = parseLogLine(text);
        return line?.msg === 'leader election request failed' && / 401 Unauthorized: .*rejected the token in file/.test(String(line.err));
      },
      refusedBoundMs,
      deletedAt,
    );
    mark(`the operator's renewal is refused: ${refused.text.slice(0, 200)}`);

    const second = await boundToken('token-binding-second');
    await volume.write({ token: second.token, 'ca.crt': ca, namespace });
    const rotatedAt = Date.now();
    mark('the second token is written (new ..data)');
    // The renewal after the rotation gets a 401 with the old token, re-reads the file and retries with the new one,
    // well within the renew deadline (the last successful renewal was at most a retry period before the refusal).
    assert.ok(rotatedAt - refused.at < renewDeadlineMs - retryPeriodMs, 'the rotation came before the renew deadline');

    await createHelloWorld(ns, 'after-rotation', 'Hello after the rotation');
    await configMapMessage(ns, 'after-rotation', 'Hello after the rotation', retryPeriodMs * (1 + jitterFactor) + marginMs);
    mark('HelloWorld after-rotation has its ConfigMap');
    await eventually(
      'a Lease renewal with the second token',
      async () =>
        (await cp.auditEvents()).some(
          (e) =>
            e.stage === 'ResponseComplete' &&
            e.user.username === operatorUser &&
            e.objectRef?.resource === 'leases' &&
            e.verb === 'update' &&
            (e.responseStatus?.code ?? 0) < 300 &&
            Date.parse(e.requestReceivedTimestamp) >= rotatedAt,
        ),
      { timeoutMs: retryPeriodMs * (1 + jitterFactor) + marginMs },
    );
    mark('the Lease is renewed with the second token');

    assert.equal(running.exit, undefined, 'the operator did not exit');
    process.kill(running.pid, 0); // the pid that started is the one still running
    const leadership = running.output
      .map((l) => parseLogLine(l.text)?.msg)
      .filter((msg) => /became the leader|stopped leading/.test(String(msg)));
    assert.deepEqual(
      leadership,
      ['became the leader; starting controllers'],
      'the operator became the leader once and never stopped leading',
    );

    const events = (await cp.auditEvents()).filter(
      (e) => e.stage === 'ResponseComplete' && Date.parse(e.requestReceivedTimestamp) >= rotatedAt,
    );
    const own = events.filter((e) => e.user.username === operatorUser);
    await assertWroteConfigMap(ns, 'after-rotation', rotatedAt, 'the ConfigMap was written after the rotation');
    // The API server names the token each request authenticated with by its JWT ID.
    const credentials = new Set(own.map((e) => e.user.extra?.['authentication.kubernetes.io/credential-id']?.[0]));
    assert.deepEqual([...credentials], [`JTI=${jti(second.token)}`], 'every request after the rotation used the second token');
    assert.deepEqual(await forbiddenSince(cp, operatorUser, installedAt), [], 'config/rbac still grants every right the operator uses');
  });
});

/** The operator's ServiceAccount wrote ConfigMap `ns/name` at or after `since` (audit log). */
async function assertWroteConfigMap(ns: string, name: string, since: number, message: string): Promise<void> {
  const requests = (await cp.auditEvents()).filter(
    (e) =>
      e.objectRef?.resource === 'configmaps' &&
      e.objectRef.namespace === ns &&
      e.objectRef.name === name &&
      Date.parse(e.requestReceivedTimestamp) >= since,
  );
  const described = requests.map((e) => `${e.stage} ${e.user.username} ${e.verb} ${e.responseStatus?.code}`).join('; ');
  assert.ok(
    requests.some((e) => isObjectWrite(e) && e.user.username === operatorUser && (e.responseStatus?.code ?? 0) < 300),
    `${message}: the audit log has ${described || 'no request of it'}`,
  );
}

/** A Secret to bind a token to, and a token of the operator's ServiceAccount bound to it. */
async function boundToken(secretName: string): Promise<{ token: string; secret: string }> {
  const secret = await cp.admin.request<{ metadata: { uid: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/secrets`,
    body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: secretName }, type: 'Opaque' },
  });
  const token = await requestBoundToken(cp.admin, {
    namespace,
    serviceAccount: operatorAccount.name,
    boundSecret: { name: secretName, uid: secret.metadata.uid },
    expirationSeconds: 3600,
  });
  return { token, secret: secretName };
}

/** A JSON line of the operator's log, or undefined for anything else. */
function parseLogLine(text: string): { msg?: unknown; err?: unknown } | undefined {
  try {
    return JSON.parse(text) as { msg?: unknown; err?: unknown };
  } catch {
    return undefined;
  }
}

/** The JWT ID of a service account token, as the audit log's credential-id names it. */
function jti(token: string): string {
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { jti: string };
  return claims.jti;
}

/** The HTTP status of a discovery request made with `token`. */
async function statusWith(token: string, ca: string): Promise<number> {
  const dispatcher = new Agent({ connect: { ca } });
  try {
    const response = await request(`${cp.apiServerUrl}/apis`, { dispatcher, headers: { authorization: `Bearer ${token}` } });
    await response.body.dump();
    return response.statusCode;
  } finally {
    await dispatcher.close();
  }
}

async function probeOk(port: number, path: string, timeoutMs: number): Promise<void> {
  await eventually(
    `${path} on port ${port} answers 200`,
    async () => {
      if (operator?.exit) throw new Error(`the operator exited: ${JSON.stringify(operator.exit)}`);
      const response = await request(`http://127.0.0.1:${port}${path}`).catch(() => undefined);
      await response?.body.dump();
      return response?.statusCode === 200;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

async function createHelloWorld(ns: string, name: string, message: string): Promise<void> {
  await cp.admin.request({
    method: 'POST',
    path: `/apis/${group}/v1alpha1/namespaces/${ns}/helloworlds`,
    body: { apiVersion: `${group}/v1alpha1`, kind: 'HelloWorld', metadata: { name }, spec: { name: message } },
  });
}

async function configMapMessage(ns: string, name: string, message: string, timeoutMs: number): Promise<void> {
  await eventually(
    `ConfigMap ${ns}/${name} says "${message}"`,
    async () => {
      try {
        const cm = await cp.admin.request<{ data?: Record<string, string> }>({ path: `/api/v1/namespaces/${ns}/configmaps/${name}` });
        return cm.data?.['message'] === message;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
    { timeoutMs, intervalMs: 100 },
  );
}

interface ManagerContainer {
  args: string[];
  /** The container's env, fieldRefs filled as the kubelet fills them for Pod `pod`. */
  env(pod: { namespace: string; name: string }): Record<string, string>;
  livenessProbe: { initialDelaySeconds: number; periodSeconds: number; failureThreshold: number };
}

/** The `manager` container of the generated Deployment; a field the kubelet would fill in a way not known here fails. */
function managerContainer(deployment: unknown): ManagerContainer {
  type EnvVar = { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } };
  const spec = (deployment as { spec: { template: { spec: { containers: Array<Record<string, unknown>> } } } }).spec.template.spec;
  const container = spec.containers.find((c) => c['name'] === 'manager');
  assert.ok(container, 'config/manager/deployment.yaml has a manager container');
  assert.equal(container['command'], undefined, 'the Deployment keeps the image ENTRYPOINT (no command)');
  return {
    args: (container['args'] as string[] | undefined) ?? [],
    env(pod) {
      const fields: Record<string, string> = { 'metadata.namespace': pod.namespace, 'metadata.name': pod.name };
      return Object.fromEntries(
        ((container['env'] as EnvVar[] | undefined) ?? []).map((v) => {
          if (v.value !== undefined) return [v.name, v.value];
          const value = v.valueFrom?.fieldRef ? fields[v.valueFrom.fieldRef.fieldPath] : undefined;
          if (value === undefined)
            throw new Error(`the env var ${v.name} comes from ${JSON.stringify(v.valueFrom)}, which this test does not fill`);
          return [v.name, value];
        }),
      );
    },
    livenessProbe: container['livenessProbe'] as ManagerContainer['livenessProbe'],
  };
}
