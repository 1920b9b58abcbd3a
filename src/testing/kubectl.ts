import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAssets } from './assets.ts';
import type { Cluster } from './cluster.ts';

/**
 * Options of {@link kubectl}.
 *
 * @noExample Options of {@link kubectl}; its example shows the call.
 */
export interface KubectlOptions {
  /** Where relative paths (`-f config/samples/…`) are read from; defaults to the current directory. */
  cwd?: string;
  /** Written to its stdin (`-f -`). */
  input?: string;
  /** Added to the environment; `KUBECONFIG` is the cluster's admin kubeconfig. */
  env?: NodeJS.ProcessEnv;
  /** Kills kubectl (or abandons the wait for its binary); the promise rejects. */
  signal?: AbortSignal;
}

// kubectl caches discovery for hours under ~/.kube/cache; CRDs come and go on a test cluster, so each
// process has a cache of its own.
let cacheDir: string | undefined;
function kubectlCache(): string {
  if (!cacheDir) {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-kubectl-cache-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    cacheDir = dir;
  }
  return cacheDir;
}

/**
 * Run kubectl (the one built with the local control plane, of the same Kubernetes version) as the cluster's
 * admin, as a user would by hand: resolves with its stdout; rejects with its stderr in the message.
 *
 * @example
 * ```ts
 * import { test } from 'node:test';
 * import { kubectl, testCluster } from 'capstan/testing';
 * test('the sample applies', async (t) => {
 *   const cluster = await testCluster(t);
 *   await kubectl(cluster, ['apply', '--namespace', 'default', '-f', 'config/samples/']);
 *   console.log(await kubectl(cluster, ['get', 'configmaps', '--namespace', 'default', '-o', 'name']));
 * });
 * ```
 */
export async function kubectl(cluster: Cluster, args: readonly string[], options: KubectlOptions = {}): Promise<string> {
  const { kubectl: binary } = await ensureAssets({ signal: options.signal });
  return new Promise((resolve, reject) => {
    const child = execFile(
      binary,
      [`--cache-dir=${kubectlCache()}`, ...args],
      {
        cwd: options.cwd,
        env: { ...process.env, ...options.env, KUBECONFIG: cluster.kubeconfigPath },
        maxBuffer: 64 * 1024 * 1024,
        signal: options.signal,
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const code = typeof err.code === 'number' ? err.code : (err.code ?? err.signal);
        reject(new Error(`kubectl ${args.join(' ').slice(0, 300)} failed (${code}): ${stderr.trim().slice(0, 4000)}`, { cause: err }));
      },
    );
    child.stdin?.end(options.input);
  });
}
