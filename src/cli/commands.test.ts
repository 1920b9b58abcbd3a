// Every project command's help, and its failures: missing or invalid flags, no project, no kubeconfig, a
// cluster that does not answer. Most run the command tree in this process; a few run `capstan` as a
// process with stdin an open pipe (a prompt would hang it) to check what a user sees: one line on stderr
// and exit code 1.
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CommanderError } from 'commander';
import { fixtureDir, runCli } from '../../e2e/cli/run-cli.ts';
import { capstanProgram, eachCommand } from './commands.ts';
import { CliFailure } from './failure.ts';
import { install, uninstall } from './install.ts';
import { run } from './operator-runner.ts';
import { createApi, generateProject } from './scaffold.ts';

let dir: string;
let project: string;
let unreachable: { kubeconfig: string; port: number };

before(async () => {
  dir = await fixtureDir('commands');
  // A project with one CRD file: enough for install, uninstall and run to get as far as the cluster.
  project = join(dir, 'project');
  await mkdir(join(project, 'config', 'crd'), { recursive: true });
  await mkdir(join(project, 'src'));
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'gizmo-operator',
      type: 'module',
      capstan: { domain: 'test.io', namespace: 'gizmo-system', image: 'gizmo-operator:0.1.0' },
    }),
  );
  await writeFile(join(project, 'src', 'operator.ts'), '// capstan:scaffold:imports\n');
  // Were it started, this operator would exit with 3 at once.
  await writeFile(join(project, 'src', 'main.ts'), 'process.exit(3);\n');
  await writeFile(
    join(project, 'config', 'crd', 'gizmos.tools.test.io.yaml'),
    [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'metadata: { name: gizmos.tools.test.io }',
      'spec: { group: tools.test.io, scope: Namespaced, names: { kind: Gizmo, plural: gizmos, singular: gizmo, listKind: GizmoList },',
      '  versions: [{ name: v1, served: true, storage: true, schema: { openAPIV3Schema: { type: object } } }] }',
      '',
    ].join('\n'),
  );
  const port = await closedPort();
  unreachable = { port, kubeconfig: join(dir, 'unreachable.kubeconfig') };
  await writeFile(
    unreachable.kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'far-away',
      clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'far-away', context: { cluster: 'c', user: 'u' } }],
    }),
  );
});
after(() => rm(dir, { recursive: true, force: true }));

/** Parse `args` with the real command tree, its output captured and its exits turned into a code. */
async function parse(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const program = capstanProgram();
  let out = '';
  let err = '';
  eachCommand(program, (command) => command.exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) }));
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode, out, err };
    throw e;
  }
}

const helps: Array<[string[], RegExp[]]> = [
  [['init'], [/--domain <domain>/, /--name <name>/, /capstan init --domain example\.com/]],
  [
    ['create', 'api'],
    [/--group <group>/, /--version <version>/, /--kind <Kind>/, /HelloWorld/],
  ],
  [['generate'], [/src\/operator\.ts/, /config\/rbac/, /twice changes nothing/]],
  [['install'], [/--kubeconfig <path>/, /--timeout <seconds>/, /until they are served/]],
  [['uninstall'], [/--kubeconfig <path>/, /--timeout <seconds>/, /until they are gone/]],
  [['run'], [/--watch/, /--kubeconfig <path>/, /--namespace <namespace>/, /--json/, /one SIGTERM/]],
];

for (const [command, expected] of helps) {
  test(`capstan ${command.join(' ')} --help describes its flags`, async () => {
    const result = await parse([...command, '--help']);
    assert.equal(result.code, 0);
    for (const pattern of expected) assert.match(result.out, pattern);
  });
}

const flagErrors: Array<[string, string[], RegExp, string]> = [
  ['init without --domain', ['init'], /required option '--domain <domain>' not specified/, 'capstan init'],
  [
    'create api without --group',
    ['create', 'api', '--version', 'v1', '--kind', 'Gizmo'],
    /required option '--group <group>' not specified/,
    'capstan create api',
  ],
  [
    'create api without --version',
    ['create', 'api', '--group', 'tools', '--kind', 'Gizmo'],
    /required option '--version <version>' not specified/,
    'capstan create api',
  ],
  [
    'create api without --kind',
    ['create', 'api', '--group', 'tools', '--version', 'v1'],
    /required option '--kind <Kind>' not specified/,
    'capstan create api',
  ],
  ['install with an unknown flag', ['install', '--force'], /unknown option '--force'/, 'capstan install'],
  ['run with a flag missing its value', ['run', '--kubeconfig'], /option '--kubeconfig <path>' argument missing/, 'capstan run'],
];

for (const [what, args, message, command] of flagErrors) {
  test(`${what}: exit 1, the flag named, and where to find help`, async () => {
    const result = await parse(args);
    assert.equal(result.code, 1);
    assert.match(result.err, message);
    assert.ok(result.err.endsWith(`(run \`${command} --help\` for usage)\n`), result.err);
  });
}

test('init refuses a domain without a dot and a name that is not a DNS label', async () => {
  const { init } = await import('./scaffold.ts');
  await failsWith(init(dir, { domain: 'localhost', name: 'x' }), /--domain "localhost" is not a domain/);
  await failsWith(init(dir, { domain: 'test.io', name: 'My_Operator' }), /--name "My_Operator" is not a DNS label/);
  await failsWith(
    init(join(dir, 'Not A Label'), { domain: 'test.io' }),
    /the directory name "Not A Label" cannot name the operator .*pass --name/,
  );
});

test('create api refuses names the API server would refuse, naming the flag', async () => {
  await failsWith(createApi(project, { group: 'Tools', version: 'v1', kind: 'Gizmo' }), /--group "Tools" is not a DNS label/);
  await failsWith(createApi(project, { group: 'tools', version: 'V1', kind: 'Gizmo' }), /--version "V1" is not a valid version name/);
  await failsWith(createApi(project, { group: 'tools', version: 'v1', kind: 'gizmo' }), /--kind "gizmo" is not a valid kind: CamelCase/);
});

test('outside a project, every project command says how to make one', async () => {
  const noProject =
    /is not in a Capstan project \(no package\.json with a "capstan" field here or above\): create one with `capstan init --domain <domain>`/;
  await failsWith(generateProject(dir), noProject);
  await failsWith(createApi(dir, { group: 'tools', version: 'v1', kind: 'Gizmo' }), noProject);
  await failsWith(install(dir, { timeout: '60' }), noProject);
  await failsWith(uninstall(dir, { timeout: '60' }), noProject);
  await failsWith(run(dir, {}, []), noProject);
});

test('install, uninstall and run without a kubeconfig name the file they looked for', async () => {
  const missing = join(dir, 'missing.kubeconfig');
  const noKubeconfig = new RegExp(`^no kubeconfig: --kubeconfig ${missing.replace(/[.]/g, '\\.')} does not exist; point KUBECONFIG`);
  await failsWith(install(project, { kubeconfig: missing, timeout: '60' }), noKubeconfig);
  await failsWith(uninstall(project, { kubeconfig: missing, timeout: '60' }), noKubeconfig);
  await failsWith(run(project, { kubeconfig: missing }, []), noKubeconfig);
});

test('install, uninstall and run against a cluster that does not answer name the context and server, and start nothing', async () => {
  const message = new RegExp(
    `^cannot reach the cluster of context "far-away" at https://127\\.0\\.0\\.1:${unreachable.port} \\(kubeconfig .*\\): connect ECONNREFUSED .*; is it running\\?$`,
  );
  await failsWith(install(project, { kubeconfig: unreachable.kubeconfig, timeout: '60' }), message);
  await failsWith(uninstall(project, { kubeconfig: unreachable.kubeconfig, timeout: '60' }), message);
  await failsWith(run(project, { kubeconfig: unreachable.kubeconfig }, []), message);
});

test('install refuses a timeout that is not a positive number', async () => {
  await failsWith(
    install(project, { kubeconfig: unreachable.kubeconfig, timeout: 'soon' }),
    /--timeout "soon" is not a positive number of seconds/,
  );
});

describe('as a process, with stdin an open pipe', { concurrency: 2 }, () => {
  test('capstan --help lists every command', async () => {
    const result = await runCli(['--help'], { cwd: dir });
    assert.equal(result.code, 0);
    for (const command of ['init', 'create', 'generate', 'install', 'uninstall', 'run', 'control-plane', 'assets']) {
      assert.match(result.stdout, new RegExp(`^  ${command}\\b`, 'm'));
    }
  });

  test('a missing flag: exit 1, no prompt', async () => {
    const result = await runCli(['init'], { cwd: dir, timeoutMs: 20_000 });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, "error: required option '--domain <domain>' not specified\n(run `capstan init --help` for usage)\n");
  });

  test('$KUBECONFIG naming no file: exit 1, one line', async () => {
    const result = await runCli(['install'], { cwd: project, env: { ...process.env, KUBECONFIG: join(dir, 'gone.kubeconfig') } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^capstan: no kubeconfig: KUBECONFIG .*gone\.kubeconfig does not exist; [^\n]*\n$/);
  });

  test('run against an unreachable cluster: exit 1 before starting the operator', async () => {
    const result = await runCli(['run'], { cwd: project, env: { ...process.env, KUBECONFIG: unreachable.kubeconfig } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^capstan: cannot reach the cluster of context "far-away" at [^\n]*ECONNREFUSED[^\n]*\n$/);
    assert.equal(result.stdout, '');
  });
});

/** `promise` rejects with a {@link CliFailure} (printed without a stack) whose message matches. */
async function failsWith(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof CliFailure, `a CliFailure, not ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
