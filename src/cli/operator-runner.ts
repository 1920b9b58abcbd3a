// `capstan run [--watch]`: the project's operator as a local process against the current kubeconfig
// context, its JSON log lines made readable. With --watch, a change under src/ stops it gracefully,
// regenerates config/ (in a fresh process: an ES module graph cannot be re-imported in place), reinstalls
// the CRDs if they changed, and starts it again.
import { execFile } from 'node:child_process';
import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { OperatorProcess } from '../internal/operator-process.ts';
import { watchedNamespaces } from '../manifests/index.ts';
import { CliFailure } from './failure.ts';
import { connectTarget, describeTarget, type KubeTarget } from './kube-target.ts';
import { loadWebhooks, registerLocalWebhooks } from './local-webhooks.ts';
import { findProject, type Project } from './project.ts';

/** The flags of `capstan run`. */
export interface RunOptions {
  watch?: boolean;
  kubeconfig?: string;
  namespace?: string;
  json?: boolean;
}

const cliEntry = fileURLToPath(new URL(`./main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

export async function run(dir: string, opts: RunOptions, operatorArgs: string[]): Promise<void> {
  const project = await findProject(dir);
  const target = await connectTarget(opts.kubeconfig);
  const say = (line: string) => process.stderr.write(`capstan: ${line}\n`);
  say(`running ${project.name} (${project.main}) against ${describeTarget(target)}`);
  const format = await logFormatter(opts.json === true, say);
  const stopped = untilSignal();
  // Admission webhooks and conversions, if the operator has any: served on 127.0.0.1 and registered by url for this run.
  const webhooks = await loadWebhooks(project).catch((err: unknown) => {
    say(`${(err as Error).message}; running without registering webhooks`);
    return { admission: [], conversions: [] };
  });
  const namespaces = watchedNamespaces(opts.namespace);
  const serves = webhooks.admission.length + webhooks.conversions.length > 0;
  const local = serves ? await registerLocalWebhooks(project, target, webhooks, namespaces, say) : undefined;
  const args = [...(opts.namespace ? [`--namespace=${opts.namespace}`] : []), ...(local?.args ?? []), ...operatorArgs];
  const start = () => startLocalOperator(project, target, args, format);
  try {
    if (!opts.watch) {
      const operator = start();
      const outcome = await Promise.race([operator.exited.then((code) => ({ code })), stopped.then(() => undefined)]);
      if (outcome !== undefined) {
        if (outcome.code !== 0) throw new CliFailure(`the operator exited with ${outcome.code}`);
        return;
      }
      say('stopping the operator');
      const { status } = await operator.stop(stopGraceMs);
      if (status !== 0) throw new CliFailure(`the operator exited with ${status} on SIGTERM`);
      return;
    }
    await watchAndRun(project, target, start, stopped, say);
  } finally {
    await local?.remove();
    await target.client.close();
  }
}

async function watchAndRun(
  project: Project,
  target: KubeTarget,
  start: () => OperatorProcess,
  stopped: Promise<unknown>,
  say: (line: string) => void,
): Promise<void> {
  const { installCrds, readCrds } = await import('./crd-install.ts');
  /** The text of the generated CRDs, to tell whether a change needs them reinstalled. */
  const crdText = async () => JSON.stringify(await readCrds(project.root).catch(() => []));
  let installed = await crdText();
  let operator: OperatorProcess | undefined = start();
  let changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let cycle = Promise.resolve();

  const restart = async (files: string[]) => {
    say(`${files.join(', ')} changed: restarting the operator`);
    if (operator?.running) {
      const { status } = await operator.stop(stopGraceMs);
      if (status !== 0) say(`the operator exited with ${status} on SIGTERM`);
    }
    operator = undefined;
    const generated = await promisify(execFile)(process.execPath, [cliEntry, 'generate'], { cwd: project.root }).then(
      () => true,
      (err: { stderr?: string; message: string }) => {
        say(`capstan generate failed; waiting for the next change:\n${(err.stderr ?? err.message).trim()}`);
        return false;
      },
    );
    if (!generated) return;
    const crds = await crdText();
    if (crds !== installed) {
      say('the CRDs changed: reinstalling them');
      try {
        await installCrds(target.client, await readCrds(project.root), { timeoutMs: 60_000, log: say });
        installed = crds;
      } catch (err) {
        say(`reinstalling the CRDs failed; waiting for the next change: ${(err as Error).message}`);
        return;
      }
    }
    operator = start();
    watchExit(operator);
  };
  const watchExit = (current: OperatorProcess) => {
    void current.exited.then((code) => {
      if (operator === current && !current.stoppedOnPurpose)
        say(`the operator exited with ${code}; waiting for a change under src/ to start it again`);
    });
  };
  watchExit(operator);

  const watcher: FSWatcher = watch(join(project.root, 'src'), { recursive: true }, (_event, file) => {
    if (file) changed.add(join('src', file.toString()));
    clearTimeout(timer);
    // Editors write a file in several steps; one restart per burst of changes.
    timer = setTimeout(() => {
      const files = [...changed].sort();
      changed = new Set();
      cycle = cycle.then(() => restart(files)).catch((err: unknown) => say(`restart failed: ${(err as Error).message}`));
    }, 200);
  });
  say('watching src/ for changes');
  try {
    await stopped;
  } finally {
    watcher.close();
    clearTimeout(timer);
    await cycle;
    say('stopping the operator');
    await operator?.stop(stopGraceMs);
  }
}

/** How long the operator may take to stop after its SIGTERM before it is killed, as a Pod's default grace period. */
const stopGraceMs = 30_000;

/**
 * How the operator's JSON log lines are printed: made readable by pino-pretty, an optional peer dependency that
 * `capstan init` lists among a project's development dependencies; as they are with `--json` or without it.
 */
async function logFormatter(json: boolean, say: (line: string) => void): Promise<(line: string) => string> {
  const asIs = (line: string) => `${line}\n`;
  if (json) return asIs;
  try {
    const { prettyFactory } = await import('pino-pretty');
    return prettyFactory({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    say('pino-pretty is not installed, so the log lines are printed as JSON (`npm install --save-dev pino-pretty` makes them readable)');
    return asIs;
  }
}

function startLocalOperator(project: Project, target: KubeTarget, args: string[], format: (line: string) => string): OperatorProcess {
  // Its own process group: a Ctrl-C reaches only us, and we send the operator exactly one SIGTERM (a
  // second signal would make the manager skip its graceful shutdown). Its stderr (a crash's stack trace) as it is.
  return OperatorProcess.spawn({
    main: project.main,
    cwd: project.root,
    args,
    env: target.kubeconfigPath === 'in-cluster' ? process.env : { ...process.env, KUBECONFIG: target.kubeconfigPath },
    ownProcessGroup: true,
    stderr: 'inherit',
    onLine: (line) => process.stdout.write(format(line)),
  });
}

/** Resolves on the first SIGINT, SIGTERM or SIGHUP. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => resolve(signal));
  });
}
