import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ClientError } from './api-error.ts';
import { TokenFileCredentials } from './credentials.ts';
import { ExecCredentials } from './exec-credentials.ts';
import { KubeClient } from './kube-client.ts';
import { loadInCluster, loadKubeconfig } from './kubeconfig.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capstan-kubeconfig-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const config = (user: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443/', 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'team' } }],
    'current-context': 'ctx',
    ...extra,
  });

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function invalid(pathPart: string, problem: RegExp) {
  return (err: unknown) =>
    err instanceof ClientError && err.code === 'KUBECONFIG_INVALID' && err.message.includes(pathPart) && problem.test(err.message);
}

test('a missing kubeconfig names the file; there is no fallback to localhost:8080', async () => {
  const path = join(dir, 'absent.yaml');
  await assert.rejects(KubeClient.fromKubeconfig({ kubeconfigPath: path }), invalid(path, /cannot read kubeconfig.*ENOENT/));
});

test('a broken kubeconfig names the file and the problem', async () => {
  const notYaml = await file('broken.yaml', 'clusters: [unclosed\n  - x: {');
  await assert.rejects(loadKubeconfig(notYaml), invalid(notYaml, /kubeconfig/));
  const noContext = await file('nocontext.yaml', config({ token: 't' }, { 'current-context': '' }));
  await assert.rejects(loadKubeconfig(noContext), invalid(noContext, /sets no current-context/));
  const noServer = await file('noserver.yaml', config({ token: 't' }, { clusters: [{ name: 'other', cluster: { server: 'https://x' } }] }));
  await assert.rejects(loadKubeconfig(noServer), invalid(noServer, /cluster "c", which is missing or has no server/));
  const ok = await file('ok.yaml', config({ token: 't' }));
  await assert.rejects(loadKubeconfig(ok, 'nope'), invalid(ok, /has no context "nope" \(it has: ctx\)/));
  const badCa = await file(
    'badca.yaml',
    config(
      { token: 't' },
      {
        clusters: [{ name: 'c', cluster: { server: 'https://x', 'certificate-authority': 'missing-ca.crt' } }],
      },
    ),
  );
  await assert.rejects(loadKubeconfig(badCa), invalid(badCa, /certificate-authority file missing-ca.crt/));
});

test('server, namespace and credentials come from the current context', async () => {
  const path = await file('token.yaml', config({ token: 'abc' }));
  const loaded = await loadKubeconfig(path);
  assert.equal(loaded.server, 'https://127.0.0.1:6443');
  assert.equal(loaded.namespace, 'team');
  assert.equal(loaded.tls.rejectUnauthorized, false);
  assert.deepEqual((await loaded.credentials.current()).headers, { authorization: 'Bearer abc' });
  assert.equal(loaded.credentials.invalidate(), false, 'a token written in the file cannot be refreshed');
});

test('a token-file user is re-read (relative to the kubeconfig), an exec user runs its plugin', async () => {
  await file('sa.token', 'from-file\n');
  const tokenFile = await loadKubeconfig(await file('tokenfile.yaml', config({ tokenFile: 'sa.token' })));
  assert.ok(tokenFile.credentials instanceof TokenFileCredentials);
  assert.equal(tokenFile.credentials.path, join(dir, 'sa.token'));
  assert.deepEqual((await tokenFile.credentials.current()).headers, { authorization: 'Bearer from-file' });
  const dashed = await loadKubeconfig(await file('tokenfile2.yaml', config({ 'token-file': 'sa.token' })));
  assert.ok(dashed.credentials instanceof TokenFileCredentials, 'the token-file spelling is read too');
  const exec = await loadKubeconfig(
    await file('exec.yaml', config({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: './plugin.sh' } })),
  );
  assert.ok(exec.credentials instanceof ExecCredentials);
});

test('in-cluster configuration needs the service environment and the mounted CA', async () => {
  const saved = { host: process.env['KUBERNETES_SERVICE_HOST'], port: process.env['KUBERNETES_SERVICE_PORT'] };
  try {
    delete process.env['KUBERNETES_SERVICE_HOST'];
    await assert.rejects(loadInCluster(dir), (err: unknown) => err instanceof ClientError && /KUBERNETES_SERVICE_HOST/.test(err.message));
    process.env['KUBERNETES_SERVICE_HOST'] = 'fd00::1';
    process.env['KUBERNETES_SERVICE_PORT'] = '443';
    await assert.rejects(loadInCluster(dir), (err: unknown) => err instanceof ClientError && /ca\.crt/.test(err.message));
    await file('ca.crt', 'not really a CA');
    await file('namespace', 'pods-ns\n');
    await file('token', 'pod-token');
    const loaded = await loadInCluster(dir);
    assert.equal(loaded.server, 'https://[fd00::1]:443');
    assert.equal(loaded.namespace, 'pods-ns');
    assert.deepEqual((await loaded.credentials.current()).headers, { authorization: 'Bearer pod-token' });
  } finally {
    for (const [key, value] of [
      ['KUBERNETES_SERVICE_HOST', saved.host],
      ['KUBERNETES_SERVICE_PORT', saved.port],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
});

test('a kubeconfig of the wrong shape names the entry and the field', async () => {
  const cases: Array<[string, RegExp]> = [
    ['- just\n- a list\n', /is not a YAML mapping/],
    [JSON.stringify({ clusters: 'c' }), /clusters is not a list/],
    [config({ token: 't' }, { users: [{ user: { token: 't' } }] }), /users\[0\] has no name/],
    [config({ token: 7 }), /user "u": token is not a string/],
    [config({ exec: { args: ['x'] } }), /user "u": exec has no command/],
    [config({ token: 't' }, { contexts: [{ name: 'ctx', context: { user: 'u' } }] }), /context "ctx" names no cluster/],
  ];
  for (const [i, [text, problem]] of cases.entries()) {
    const path = await file(`shape-${i}.yaml`, text);
    await assert.rejects(loadKubeconfig(path), invalid(path, problem));
  }
});

test('client certificates and CA come from data or from files relative to the kubeconfig', async () => {
  await file('ca.crt', 'CA-PEM');
  const path = await file(
    'certs.yaml',
    config(
      { 'client-certificate-data': Buffer.from('CERT').toString('base64'), 'client-key': 'key.pem' },
      {
        clusters: [
          { name: 'c', cluster: { server: 'https://x:6443', 'certificate-authority': 'ca.crt', 'tls-server-name': 'kubernetes' } },
        ],
      },
    ),
  );
  await file('key.pem', 'KEY');
  const loaded = await loadKubeconfig(path);
  assert.equal(loaded.tls.ca?.toString(), 'CA-PEM');
  assert.equal(loaded.tls.cert?.toString(), 'CERT');
  assert.equal(loaded.tls.key?.toString(), 'KEY');
  assert.equal(loaded.tls.servername, 'kubernetes');
  assert.equal(loaded.tls.rejectUnauthorized, true);
});

test('@kubernetes/client-node (about 80 MiB once imported) is loaded only for an auth-provider user', async () => {
  const tokenPath = await file('lean.yaml', config({ token: 't' }));
  const providerPath = await file(
    'provider.yaml',
    config({ 'auth-provider': { name: 'oidc', config: { 'id-token': 'x', 'idp-issuer-url': 'https://127.0.0.1:1' } } }),
  );
  const probe = (path: string) =>
    new Promise<string>((resolve, reject) => {
      const script = `
      import { registerHooks } from 'node:module';
      let loaded = false;
      registerHooks({ resolve(specifier, context, next) { if (specifier.includes('@kubernetes/client-node')) loaded = true; return next(specifier, context); } });
      const { loadKubeconfig } = await import(${JSON.stringify(new URL('./kubeconfig.ts', import.meta.url).href)});
      const config = await loadKubeconfig(${JSON.stringify(path)});
      await config.credentials.current().catch(() => undefined);
      process.stdout.write(String(loaded));`;
      execFile(process.execPath, ['--input-type=module', '-e', script], (err, stdout, stderr) =>
        err ? reject(new Error(stderr)) : resolve(stdout),
      );
    });
  assert.equal(await probe(tokenPath), 'false');
  assert.equal(await probe(providerPath), 'true');
});
