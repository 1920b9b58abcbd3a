// `npm test`: lint, type-check, unit tests, the control-plane binaries and helm, then integration tests on a real
// control plane shared by the suites that break nothing. Prints how long each phase took.
//   node scripts/test.ts               everything
//   node scripts/test.ts unit          lint-free unit tests only
//   node scripts/test.ts integration   integration tests only (builds the binaries if needed)
//   node scripts/test.ts integration e2e/control-plane/cli.test.ts   some files only
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAssets, ensureHelm, startControlPlane } from '../src/testing/index.ts';
import { sharedControlPlaneOptions } from '../e2e/support/shared-control-plane.ts';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `npm test needs Node 24 (the project pins it as a dev dependency); this is Node ${process.versions.node}. Run \`npm install\` first.\n`,
  );
  process.exit(1);
}

const [phase = 'all', ...files] = process.argv.slice(2);
const timings: Array<[string, number]> = [];
let failed = false;

async function timed(name: string, fn: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  process.stdout.write(`\n=== ${name}\n`);
  const ok = await fn();
  timings.push([name, (Date.now() - started) / 1000]);
  if (!ok) {
    failed = true;
    process.stdout.write(`=== ${name} FAILED\n`);
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    child.on('exit', (code) => resolve(code === 0));
  });
}

const bin = (name: string) => join('node_modules', '.bin', name);
// The examples' tests over the in-memory API server (`*.fake.test.ts`) need no control plane: they run as unit tests.
const unitFiles = ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts', 'examples/*/test/**/*.fake.test.ts'];
const integrationFiles = files.length > 0 ? files : ['e2e/**/*.test.ts'];

// `capstan/...` imports (the examples, the scaffold's tarball) resolve to dist/, as they do for a user, for the
// linter's types and at run time: build it first (incremental, so a warm build takes a second or two).
await timed('build (dist/)', () => run(bin('tsc'), ['-p', 'tsconfig.build.json']));
if (phase === 'all') {
  await timed('format', () => run(bin('biome'), ['format', '.']));
  await timed('lint', () => run(bin('eslint'), ['.']));
  await timed('typecheck', () => run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']));
  // The API reference (docs/api/) with TypeDoc's warnings as errors, and every exported symbol documented.
  await timed('docs (API reference, doc coverage)', () => run(process.execPath, ['scripts/docs.ts']));
}
if (phase === 'all' || phase === 'unit') {
  await timed('unit', () =>
    run(process.execPath, ['--test', '--test-concurrency=2', ...(phase === 'unit' && files.length ? files : unitFiles)]),
  );
}
if (phase === 'all') {
  // What npm would publish, checked as a consumer sees it: publint on the packaging, attw on the types of every
  // entry point under Node's ESM resolution (the package is ESM-only; no other problem is ignored).
  await timed('package (npm pack, publint, attw)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'capstan-pack-'));
    try {
      const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { name: string; version: string };
      const tarball = join(dir, `${pkg.name}-${pkg.version}.tgz`);
      return (
        (await run('npm', ['pack', '--ignore-scripts', '--loglevel=warn', '--pack-destination', dir])) &&
        (await run(bin('publint'), ['run', tarball, '--strict'])) &&
        (await run(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'table-flipped']))
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
if (phase === 'all' || phase === 'integration') {
  await timed('build (control-plane binaries, helm)', async () => {
    await ensureAssets();
    // For the generated charts' tests (e2e/deploy/helm.test.ts): helm lint and helm template.
    await ensureHelm();
    return true;
  });
  await timed('integration', async () => {
    // With the CRDs of the suites that run operators, so that the garbage collector and admission know them
    // from the start and no suite waits for their 30 s discovery rereads, and the workload controllers.
    const cp = await startControlPlane(sharedControlPlaneOptions());
    const dir = await mkdtemp(join(tmpdir(), 'capstan-test-'));
    const descriptor = join(dir, 'cluster.json');
    await writeFile(descriptor, JSON.stringify(cp.describe()));
    try {
      // Integration suites mostly wait on the API server; run several files side by side.
      return await run(process.execPath, ['--test', '--test-concurrency=4', '--test-timeout=900000', ...integrationFiles], {
        ...process.env,
        CAPSTAN_TEST_CLUSTER: descriptor,
        KUBECONFIG: cp.kubeconfigPath,
      });
    } finally {
      await cp.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
}

process.stdout.write('\n=== phase timings\n');
for (const [name, seconds] of timings) process.stdout.write(`${name.padEnd(40)} ${seconds.toFixed(1).padStart(8)} s\n`);
process.exitCode = failed ? 1 : 0;
