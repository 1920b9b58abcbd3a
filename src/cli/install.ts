// What `capstan install` and `capstan uninstall` do: the CRDs of config/crd on the cluster of the current
// context, announced before anything is changed.
import { CliFailure } from './failure.ts';
import { connectTarget, describeTarget } from './kube-target.ts';
import { findProject } from './project.ts';

/** The flags of `capstan install` and `uninstall`. */
export interface ClusterOptions {
  kubeconfig?: string;
  timeout: string;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

export async function install(dir: string, opts: ClusterOptions): Promise<void> {
  const timeoutMs = seconds(opts.timeout) * 1000;
  const project = await findProject(dir);
  const target = await connectTarget(opts.kubeconfig);
  try {
    const { installCrds, readCrds } = await import('./crd-install.ts');
    const crds = await readCrds(project.root);
    say(`installing ${crds.length} CRD(s) on ${describeTarget(target)}`);
    await installCrds(target.client, crds, { timeoutMs, log: say });
  } finally {
    await target.client.close();
  }
}

export async function uninstall(dir: string, opts: ClusterOptions): Promise<void> {
  const timeoutMs = seconds(opts.timeout) * 1000;
  const project = await findProject(dir);
  const target = await connectTarget(opts.kubeconfig);
  try {
    const { readCrds, uninstallCrds } = await import('./crd-install.ts');
    const crds = await readCrds(project.root);
    say(`uninstalling ${crds.length} CRD(s) from ${describeTarget(target)}`);
    await uninstallCrds(target.client, crds, { timeoutMs, log: say });
  } finally {
    await target.client.close();
  }
}

function seconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new CliFailure(`--timeout ${JSON.stringify(value)} is not a positive number of seconds`);
  return parsed;
}
