import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ClientError } from './api-error.ts';
import { TokenFileCredentials } from './credentials.ts';
import { ExecCredentials } from './exec-credentials.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capstan-credentials-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('a token file is re-read after a 401 (invalidate), not before', async () => {
  const path = join(dir, 'token');
  await writeFile(path, 'one\n');
  const credentials = new TokenFileCredentials(path);
  assert.deepEqual((await credentials.current()).headers, { authorization: 'Bearer one' });
  await writeFile(path, 'two');
  assert.deepEqual((await credentials.current()).headers, { authorization: 'Bearer one' }, 'cached within maxAge');
  assert.equal(credentials.invalidate(), true);
  assert.deepEqual((await credentials.current()).headers, { authorization: 'Bearer two' });
});

test('a token file is re-read once older than maxAge (rotation on disk)', async () => {
  const path = join(dir, 'rotating');
  await writeFile(path, 'old');
  const credentials = new TokenFileCredentials(path, 0);
  assert.deepEqual((await credentials.current()).headers, { authorization: 'Bearer old' });
  await writeFile(path, 'new');
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual((await credentials.current()).headers, { authorization: 'Bearer new' });
});

test('an unreadable or empty token file is a CREDENTIALS_UNAVAILABLE error naming the file', async () => {
  const missing = new TokenFileCredentials(join(dir, 'absent'));
  await assert.rejects(
    missing.current(),
    (err: unknown) => err instanceof ClientError && err.code === 'CREDENTIALS_UNAVAILABLE' && err.message.includes('absent'),
  );
  await writeFile(join(dir, 'empty'), '\n');
  await assert.rejects(new TokenFileCredentials(join(dir, 'empty')).current(), /is empty/);
});

async function plugin(name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

test('an exec plugin runs once while its credential is fresh, again when it expires and after a 401', async () => {
  const runs = join(dir, 'runs');
  await writeFile(runs, '');
  const soon = new Date(Date.now() + 60 * 60_000).toISOString();
  const path = await plugin(
    'token-plugin.sh',
    `echo run >> ${runs}
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-'$(wc -l < ${runs})'","expirationTimestamp":"'"$EXPIRES"'"}}'`,
  );
  const credentials = new ExecCredentials({ command: path, env: [{ name: 'EXPIRES', value: soon }] }, dir);
  const [a, b] = await Promise.all([credentials.current(), credentials.current()]);
  assert.deepEqual(a.headers, { authorization: 'Bearer tok-1' });
  assert.deepEqual(b, a, 'concurrent callers share one run');
  assert.equal((await readFile(runs, 'utf8')).split('\n').filter(Boolean).length, 1);
  credentials.invalidate();
  assert.deepEqual((await credentials.current()).headers, { authorization: 'Bearer tok-2' }, 're-run after a 401');

  const expired = new ExecCredentials(
    { command: path, env: [{ name: 'EXPIRES', value: new Date(Date.now() + 5_000).toISOString() }] },
    dir,
  );
  await expired.current();
  await expired.current();
  // Two runs above, then one per call: the credential expires within the 10 s refresh skew.
  assert.equal((await readFile(runs, 'utf8')).split('\n').filter(Boolean).length, 4, 'near expiry: re-run on every call');
});

test('a relative command path is resolved against the kubeconfig directory', async () => {
  await plugin('rel.sh', `echo '{"status":{"token":"rel"}}'`);
  const credentials = new ExecCredentials({ command: './rel.sh' }, dir);
  assert.deepEqual((await credentials.current()).headers, { authorization: 'Bearer rel' });
});

test('a failing or confused plugin is a CREDENTIALS_UNAVAILABLE error with its stderr and install hint', async () => {
  const failing = await plugin('fail.sh', 'echo "token expired, run login" >&2; exit 3');
  await assert.rejects(
    new ExecCredentials({ command: failing, installHint: 'install it with brew' }, dir).current(),
    (err: unknown) =>
      err instanceof ClientError &&
      err.code === 'CREDENTIALS_UNAVAILABLE' &&
      /exit code 3/.test(err.message) &&
      /run login/.test(err.message) &&
      /brew/.test(err.message),
  );
  const garbage = await plugin('garbage.sh', 'echo hello');
  await assert.rejects(new ExecCredentials({ command: garbage }, dir).current(), /not an ExecCredential/);
  await assert.rejects(new ExecCredentials({ command: join(dir, 'nope') }, dir).current(), /could not be started/);
});

test('a plugin that hangs is killed after the timeout', async () => {
  const hanging = await plugin('hang.sh', 'exec sleep 30');
  const started = Date.now();
  await assert.rejects(new ExecCredentials({ command: hanging }, dir, { timeoutMs: 300 }).current(), /killed by SIGKILL/);
  assert.ok(Date.now() - started < 5_000);
});
