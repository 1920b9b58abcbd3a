// `npm run soak`: the long forms of the reliability suite. First the soak proper, on a control plane of its
// own with the HelloWorld operator as shipped (its own process, generated RBAC, leader election, info logs):
// a churn of `spec.name` changes at a fixed rate, then an idle stretch with nothing to do, the operator's RSS
// and CPU sampled throughout; at the end its cache is compared with the server and one more round of
// changes must converge with exactly the writes it needs. Then the reliability scenarios in their long forms
// (CAPSTAN_RELIABILITY_LONG=1). Writes bench/results/soak.md and soak.json.
//
//   npm run soak                                   10 min of churn at 20/s, an idle hour, then the suite
//   npm run soak -- --churn-minutes=1 --idle-minutes=2 --skip-suite   a trial run
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { workTree } from '../bench/harness/git.ts';
import { cpuSeconds, peakRssBytes, rssBytes } from '../bench/harness/proc.ts';
import { inBatches, managedBy, operatorUser, Rig } from '../e2e/reliability/rig.ts';
import { ConfigMap } from '../src/kinds/core/v1.ts';

const { values: flags } = parseArgs({
  options: {
    'churn-minutes': { type: 'string', default: '10' },
    'idle-minutes': { type: 'string', default: '60' },
    rate: { type: 'string', default: '20' },
    objects: { type: 'string', default: '200' },
    'skip-suite': { type: 'boolean', default: false },
  },
});
const churnMs = Number(flags['churn-minutes']) * 60_000;
const idleMs = Number(flags['idle-minutes']) * 60_000;
const rate = Number(flags.rate);
const objects = Number(flags.objects);
for (const [name, value] of [
  ['churn-minutes', churnMs],
  ['idle-minutes', idleMs],
  ['rate', rate],
  ['objects', objects],
] as const) {
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`--${name} must be a non-negative number\n`);
    process.exit(2);
  }
}

const command = process.argv.length > 2 ? `npm run soak -- ${process.argv.slice(2).join(' ')}` : 'npm run soak';
const started = Date.now();
const tree = workTree();
const loadBefore = loadavg();
const log = (line: string) => process.stdout.write(`[soak +${((Date.now() - started) / 1000).toFixed(0)} s] ${line}\n`);
interface Sample {
  atS: number;
  phase: string;
  rssMiB: number;
  cpuS: number;
}
const samples: Sample[] = [];
const checks: Array<{ what: string; ok: boolean; detail: string }> = [];
const check = (what: string, ok: boolean, detail: string) => {
  checks.push({ what, ok, detail });
  log(`${ok ? 'ok  ' : 'FAIL'} ${what}: ${detail}`);
};

// The token outlives the run: the idle hour must not end in a 401 of the test's own making.
const rig = await Rig.start({ tokenSeconds: Math.ceil((churnMs + idleMs) / 1000) + 1800 });
let suite: { ok: boolean; seconds: number; tests: TestCase[] } | undefined;
try {
  const operator = await rig.startOperator(['--log-level=info']);
  await rig.leading(operator);
  const pid = operator.pid;
  let phase = 'ready';
  const sampler = (async () => {
    while (operator.running && phase !== 'done') {
      samples.push({ atS: (Date.now() - started) / 1000, phase, rssMiB: (await rssBytes(pid)) / 2 ** 20, cpuS: await cpuSeconds(pid) });
      await sleep(10_000);
    }
  })();

  const namespace = await rig.namespace('soak');
  const expected = new Map<string, string>();
  phase = 'create';
  const names = await rig.createHelloWorlds(namespace, objects, { prefix: 'soak' });
  for (const name of names) expected.set(name, `hello ${name}`);
  await rig.converged([namespace], 120_000);
  log(`${objects} HelloWorlds converged`);

  phase = 'churn';
  const churnStart = Date.now();
  let changes = 0;
  const errors: string[] = [];
  const sent: Array<Promise<void>> = [];
  while (Date.now() - churnStart < churnMs) {
    const due = churnStart + (changes * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    const name = names[changes % names.length]!;
    const value = `v${changes} ${name}`;
    expected.set(name, value);
    changes++;
    sent.push(
      rig.setName(namespace, name, value).catch((err: unknown) => {
        errors.push((err as Error).message);
      }),
    );
  }
  await Promise.all(sent);
  check(
    'every churn change was accepted by the API server',
    errors.length === 0,
    `${changes} changes in ${((Date.now() - churnStart) / 1000).toFixed(0)} s, ${errors.length} refused${errors.length ? `: ${errors[0]}` : ''}`,
  );
  const churnConverged = await rig.converged([namespace], 120_000).then(
    () => true,
    (err: unknown) => {
      log((err as Error).message);
      return false;
    },
  );
  check('converged after the churn', churnConverged, `within 120 s of its end`);

  // The last reconciles' events are folded into series and written 500 ms later (the recorder's flush
  // delay): the idle stretch starts once those are out.
  await sleep(5_000);
  phase = 'idle';
  const idleStart = Date.now();
  log(`idle for ${idleMs / 60_000} min`);
  await sleep(idleMs);
  const idleAudit = (await rig.auditSince(idleStart)).filter((e) => Date.parse(e.requestReceivedTimestamp) < idleStart + idleMs);
  const idleWrites = idleAudit.filter((e) => !['get', 'list', 'watch'].includes(e.verb) && e.objectRef?.resource !== 'leases');
  check(
    'no writes while idle (besides the Lease)',
    idleWrites.length === 0,
    `${idleAudit.length} requests in ${idleMs / 60_000} min (${(idleAudit.length / Math.max(1, idleMs / 60_000)).toFixed(1)}/min), ${idleWrites.length} writes other than the Lease${
      idleWrites.length
        ? `: ${idleWrites
            .slice(0, 5)
            .map(
              (e) =>
                `${e.verb} ${e.requestURI} ${e.responseStatus?.code} at +${((Date.parse(e.requestReceivedTimestamp) - idleStart) / 1000).toFixed(1)} s`,
            )
            .join('; ')}`
        : ''
    }`,
  );
  check('the operator is alive and leading after the idle stretch', operator.running, `pid ${pid}`);

  // The cache against the server: a stale cache shows as a 409 or a missing or extra write in this round.
  phase = 'final round';
  const finalStart = Date.now();
  await inBatches(names, 20, async (name) => {
    const value = `final ${name}`;
    expected.set(name, value);
    await rig.setName(namespace, name, value);
  });
  const finalConverged = await rig.converged([namespace], 60_000).then(
    () => true,
    (err: unknown) => {
      log((err as Error).message);
      return false;
    },
  );
  check('a final change of every HelloWorld converged', finalConverged, `${names.length} changes within 60 s`);
  const finalAudit = (await rig.auditSince(finalStart)).filter((e) => e.objectRef?.namespace === namespace);
  const configMapWrites = finalAudit.filter((e) => e.objectRef?.resource === 'configmaps' && !['get', 'list', 'watch'].includes(e.verb));
  const conflicts = finalAudit.filter((e) => e.responseStatus?.code === 409);
  check(
    'the cache matched the server: one ConfigMap write per change, no conflict',
    configMapWrites.length === names.length && conflicts.length === 0,
    `${configMapWrites.length} ConfigMap writes for ${names.length} changes, ${conflicts.length} conflicts`,
  );
  const server = (await rig.admin.resource(ConfigMap).listAll({ namespace, labelSelector: `app.kubernetes.io/managed-by=${managedBy}` }))
    .items;
  const wrong = server.filter((cm) => cm.data?.['message'] !== expected.get(cm.metadata.name ?? ''));
  check(
    'every ConfigMap carries the last spec.name',
    wrong.length === 0 && server.length === names.length,
    `${server.length} ConfigMaps, ${wrong.length} wrong`,
  );
  const refused = await rig.forbidden();
  check('the operator was refused nothing (audit log)', refused.length === 0, `${refused.length} 403s`);
  check(
    'no log line carries the token',
    operator.logs.every((line) => !line.includes(rig.token)),
    `${operator.logs.length} lines`,
  );
  phase = 'done';
  await sampler;
  samples.push({ atS: (Date.now() - started) / 1000, phase: 'end', rssMiB: (await rssBytes(pid)) / 2 ** 20, cpuS: await cpuSeconds(pid) });
  const peakMiB = (await peakRssBytes(pid)) / 2 ** 20;
  await operator.stop();

  if (!flags['skip-suite']) {
    log('the reliability scenarios in their long forms');
    const suiteStart = Date.now();
    // The reliability files start control planes of their own; run them as npm test does (4 files at a time),
    // with a JUnit copy of the results so that the report lists every scenario and how long it took.
    const dir = await mkdtemp(join(tmpdir(), 'capstan-soak-'));
    const junit = join(dir, 'long-forms.xml');
    try {
      const ok = await new Promise<boolean>((resolve) => {
        const child = spawn(
          process.execPath,
          [
            '--test',
            '--test-concurrency=4',
            '--test-timeout=900000',
            '--test-reporter=spec',
            '--test-reporter-destination=stdout',
            '--test-reporter=junit',
            `--test-reporter-destination=${junit}`,
            'e2e/reliability/*.test.ts',
          ],
          { stdio: 'inherit', env: { ...process.env, CAPSTAN_RELIABILITY_LONG: '1' } },
        );
        child.on('exit', (code) => resolve(code === 0));
      });
      const tests = junitTestCases(await readFile(junit, 'utf8').catch(() => ''));
      suite = { ok, seconds: (Date.now() - suiteStart) / 1000, tests };
      const failed = tests.filter((t) => t.result !== 'ok');
      check(
        'the reliability scenarios in their long forms',
        ok && tests.length > 0 && failed.length === 0,
        `${tests.length} tests in ${suite.seconds.toFixed(0)} s, ${failed.length} not passed${failed.length ? `: ${failed.map((t) => t.name).join('; ')}` : ''}`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  await writeReport(peakMiB, { changes, operatorUser });
} finally {
  await rig.stop();
}
process.exitCode = checks.every((c) => c.ok) ? 0 : 1;

async function writeReport(peakMiB: number, run: { changes: number; operatorUser: string }): Promise<void> {
  const byPhase = new Map<string, Sample[]>();
  for (const s of samples) byPhase.set(s.phase, [...(byPhase.get(s.phase) ?? []), s]);
  const phaseRows = [...byPhase].map(([phase, list]) => {
    const rss = list.map((s) => s.rssMiB);
    const cpu = list.at(-1)!.cpuS - list[0]!.cpuS;
    const seconds = list.at(-1)!.atS - list[0]!.atS;
    return `| ${phase} | ${list.length} | ${Math.min(...rss).toFixed(0)} | ${Math.max(...rss).toFixed(0)} | ${rss.at(-1)!.toFixed(0)} | ${cpu.toFixed(1)} s over ${seconds.toFixed(0)} s |`;
  });
  const duration = (Date.now() - started) / 1000;
  const md = `# Soak: the HelloWorld operator for ${(duration / 60).toFixed(0)} minutes

Command: \`${command}\` at commit ${tree.commit}${tree.dirty ? ' (**dirty**: the work tree had changes not in the commit)' : ' (clean work tree)'},
started ${new Date(started).toISOString()}, ${duration.toFixed(0)} s in all. Node ${process.versions.node}. Machine: ${cpus().length} cores
(${cpus()[0]?.model ?? 'unknown'}), load average before ${load(loadBefore)}, at the end ${load(loadavg())}. The operator ran as
\`${run.operatorUser}\` under the generated RBAC with leader election, \`--log-level=info\`, behind the fault
proxy (passing), on a control plane of its own.

Workload: ${objects} HelloWorlds; churn ${flags['churn-minutes']} min at ${rate} \`spec.name\` changes a second
(${run.changes} changes, round robin); then idle ${flags['idle-minutes']} min; then one final change of every HelloWorld.

## Checks

| check | result | detail |
|---|---|---|
${checks.map((c) => `| ${c.what} | ${c.ok ? 'ok' : '**FAILED**'} | ${c.detail} |`).join('\n')}

## Operator RSS and CPU (sampled every 10 s from /proc)

Peak RSS (VmHWM): ${peakMiB.toFixed(0)} MiB.

| phase | samples | RSS min (MiB) | RSS max (MiB) | RSS last (MiB) | CPU |
|---|---|---|---|---|---|
${phaseRows.join('\n')}
${
  suite
    ? `
## The reliability scenarios in their long forms (\`CAPSTAN_RELIABILITY_LONG=1\`)

Every \`e2e/reliability/*.test.ts\` file, 4 at a time, each on control planes of its own: ${suite.tests.length} tests in
${suite.seconds.toFixed(0)} s.

| file | test | result | seconds |
|---|---|---|---|
${suite.tests.map((t) => `| ${t.file} | ${t.name.replaceAll('|', '\\|')} | ${t.result === 'ok' ? 'ok' : `**${t.result.toUpperCase()}**`} | ${t.seconds.toFixed(1)} |`).join('\n')}
`
    : ''
}`;
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/soak.md', md);
  await writeFile(
    'bench/results/soak.json',
    `${JSON.stringify({ command, ...tree, node: process.versions.node, loadBefore, loadAfter: loadavg(), started: new Date(started).toISOString(), durationSeconds: duration, objects, rate, checks, samples, peakMiB, suite }, null, 2)}\n`,
  );
  log('wrote bench/results/soak.md and soak.json');
}

function load(avg: number[]): string {
  return avg.map((l) => l.toFixed(1)).join(' ');
}

interface TestCase {
  file: string;
  name: string;
  result: 'ok' | 'failed' | 'skipped';
  seconds: number;
}

/** The test cases of Node's JUnit report, in its order (nested tests included, each under its own name). */
function junitTestCases(xml: string): TestCase[] {
  // Node's reporter escapes quotes twice (`&amp;quot;`): undo it twice.
  const once = (text: string) =>
    text.replaceAll('&quot;', '"').replaceAll('&apos;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
  const unescape = (text: string) => once(once(text));
  const cases: TestCase[] = [];
  // Attribute values may hold a bare `>`: match them whole.
  for (const match of xml.matchAll(/<testcase((?:\s+[\w:-]+="[^"]*")*)\s*(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const attributes = match[1] ?? '';
    const body = match[3] ?? '';
    const name = /\bname="([^"]*)"/.exec(attributes)?.[1] ?? '';
    const seconds = Number(/\btime="([^"]*)"/.exec(attributes)?.[1] ?? 'NaN');
    const result = /<failure\b/.test(body) ? 'failed' : /<skipped\b/.test(body) ? 'skipped' : 'ok';
    const file = /\bfile="([^"]*)"/.exec(attributes)?.[1] ?? '';
    cases.push({ file: unescape(file).replace(/^.*\/e2e\//, 'e2e/'), name: unescape(name), result, seconds });
  }
  return cases;
}
