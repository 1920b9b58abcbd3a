// Which cluster a command acts on, said out loud: the kubeconfig file, its current context and server,
// checked to be reachable before anything is done, with errors that say what to fix.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KubeClient } from '../client/index.ts';
import { isCapstanError } from '../core/index.ts';
import { CliFailure } from './failure.ts';

/** A connected cluster and how it was chosen. */
export interface KubeTarget {
  client: KubeClient;
  kubeconfigPath: string;
  /** The current context's name (`in-cluster` inside a pod without a kubeconfig). */
  context: string;
  server: string;
}

/**
 * Connect to the cluster of `kubeconfigPath` (default: `$KUBECONFIG`, then `~/.kube/config`), in its current
 * context or `context`, and check that it answers. Fails with a {@link CliFailure} naming the file, context and
 * server when it does not.
 */
export async function connectTarget(kubeconfigPath?: string, context?: string): Promise<KubeTarget> {
  // The file the client would read (its defaultKubeconfigPath), checked before loading the client, so
  // that this mistake is reported at once.
  const path = kubeconfigPath ?? process.env['KUBECONFIG']?.split(':').find(Boolean) ?? join(homedir(), '.kube', 'config');
  const inPod = kubeconfigPath === undefined && !process.env['KUBECONFIG'] && process.env['KUBERNETES_SERVICE_HOST'];
  if (!existsSync(path) && !inPod) {
    const origin = kubeconfigPath !== undefined ? '--kubeconfig' : process.env['KUBECONFIG'] ? 'KUBECONFIG' : 'the default kubeconfig';
    throw new CliFailure(
      `no kubeconfig: ${origin} ${path} does not exist; point KUBECONFIG (or --kubeconfig) at the cluster's kubeconfig, e.g. eval "$(capstan control-plane env)"`,
    );
  }
  const { KubeClient } = await import('../client/index.ts');
  let client: KubeClient;
  try {
    client = await KubeClient.fromKubeconfig({
      ...(kubeconfigPath !== undefined ? { kubeconfigPath } : {}),
      ...(context !== undefined ? { context } : {}),
      timeoutMs: 10_000,
      userAgent: 'capstan-cli',
    });
  } catch (err) {
    if (isCapstanError(err)) throw new CliFailure(err.message, { cause: err });
    throw err;
  }
  const contextName = client.kubeconfigPath === 'in-cluster' ? 'in-cluster' : (context ?? (await currentContext(client.kubeconfigPath)));
  const target = { client, kubeconfigPath: client.kubeconfigPath, context: contextName, server: client.server };
  try {
    await client.request({ path: '/version', timeoutMs: 10_000 });
  } catch (err) {
    await client.close();
    if (isCapstanError(err) && (err.code === 'CONNECTION_FAILED' || err.code === 'REQUEST_TIMEOUT')) {
      throw new CliFailure(
        `cannot reach the cluster of context "${contextName}" at ${client.server} (kubeconfig ${target.kubeconfigPath}): ${causeOf(err)}; is it running?`,
      );
    }
    if (isCapstanError(err)) {
      throw new CliFailure(`the cluster of context "${contextName}" at ${client.server} refused us: ${err.message}`, { cause: err });
    }
    throw err;
  }
  return target;
}

/** One line naming the cluster, for the top of a command's output. */
export function describeTarget(target: KubeTarget): string {
  return `context "${target.context}" (${target.server}, kubeconfig ${target.kubeconfigPath})`;
}

async function currentContext(path: string): Promise<string> {
  const { parse } = await import('yaml');
  const config = parse(await readFile(path, 'utf8')) as { 'current-context'?: string } | null;
  return config?.['current-context'] ?? '';
}

/** The innermost cause's message (`connect ECONNREFUSED 127.0.0.1:6443`), which says more than the wrapper's. */
function causeOf(err: Error): string {
  let cause: Error = err;
  while (cause.cause instanceof Error) cause = cause.cause;
  return cause.message || (cause as NodeJS.ErrnoException).code || err.message;
}
