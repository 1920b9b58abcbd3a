// What a container of a Pod gets, made on the host without a kubelet: the service account volume laid out as
// the kubelet's AtomicWriter writes it (and rotates it), the environment the kubelet sets, and a process that
// finds that volume at the real path, /var/run/secrets/kubernetes.io/serviceaccount, in a private mount
// namespace (so the host's /run is untouched), run as the image's user.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, chown, mkdir, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeClient } from '../../src/client/index.ts';

/** The path a Pod's service account volume is mounted at. */
export const serviceAccountMountPath = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The files of a service account volume. */
export type ServiceAccountFiles = Record<'token' | 'ca.crt' | 'namespace', string>;

/**
 * A folder laid out as the kubelet's AtomicWriter writes a projected service account volume: the files in a
 * `..<timestamp>` folder, `..data` a link to it, each file a link through `..data`. An update writes a new
 * timestamp folder and renames a new `..data` link over the old one, so a reader sees the old files or the new
 * ones, never a mix. The token is 0600 and owned by the Pod's user (what the kubelet does when every container
 * runs as the same runAsUser); ca.crt and namespace are 0644.
 */
export class ServiceAccountVolume {
  /** The folder, bind-mounted at {@link serviceAccountMountPath} in the Pod's mount namespace. */
  readonly dir: string;
  private readonly owner: { uid: number; gid: number };

  constructor(dir: string, owner: { uid: number; gid: number }) {
    this.dir = dir;
    this.owner = owner;
  }

  /** Write (or rotate to) `files`; resolves once `..data` points at them. */
  async write(files: ServiceAccountFiles): Promise<void> {
    await chmod(this.dir, 0o755);
    const previous = await readlink(join(this.dir, '..data')).catch(() => undefined);
    // As the kubelet names it: `..2026_12_04_19_00_00.` and a random suffix.
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '_');
    const payload = `..${stamp}.${Math.random().toString().slice(2, 11)}`;
    await mkdir(join(this.dir, payload), { mode: 0o755 });
    for (const [name, content] of Object.entries(files)) {
      const path = join(this.dir, payload, name);
      await writeFile(path, content, { mode: name === 'token' ? 0o600 : 0o644 });
      await chown(path, this.owner.uid, this.owner.gid);
    }
    await rm(join(this.dir, '..data_tmp'), { force: true });
    await symlink(payload, join(this.dir, '..data_tmp'));
    await rename(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    const present = new Set(await readdir(this.dir));
    for (const name of Object.keys(files)) if (!present.has(name)) await symlink(join('..data', name), join(this.dir, name));
    if (previous) await rm(join(this.dir, previous), { recursive: true, force: true });
  }
}

/**
 * A token of `serviceAccount` from the TokenRequest API, bound to the Secret `boundSecret`: deleting that Secret
 * makes the API server refuse the token, as deleting a Pod does for the token the kubelet got for it.
 */
export async function requestBoundToken(
  admin: KubeClient,
  options: { namespace: string; serviceAccount: string; boundSecret: { name: string; uid: string }; expirationSeconds: number },
): Promise<string> {
  const response = await admin.request<{ status: { token: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${options.namespace}/serviceaccounts/${options.serviceAccount}/token`,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences: [],
        expirationSeconds: options.expirationSeconds,
        boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: options.boundSecret.name, uid: options.boundSecret.uid },
      },
    },
  });
  return response.status.token;
}

/**
 * The environment the kubelet gives a container of Pod `podName`: the image's PATH, HOSTNAME, the image user's
 * HOME, the variables of the `kubernetes` Service (the API server is its endpoint, reached directly here), then
 * the container's own `env`. Nothing of the host's environment: no KUBECONFIG, no NODE_OPTIONS.
 */
export function podEnvironment(options: {
  apiServerUrl: string;
  podName: string;
  home: string;
  env: Record<string, string>;
}): NodeJS.ProcessEnv {
  const { hostname: host, port } = new URL(options.apiServerUrl);
  const address = `tcp://${host}:${port}`;
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOSTNAME: options.podName,
    HOME: options.home,
    KUBERNETES_SERVICE_HOST: host,
    KUBERNETES_SERVICE_PORT: port,
    KUBERNETES_SERVICE_PORT_HTTPS: port,
    KUBERNETES_PORT: address,
    [`KUBERNETES_PORT_${port}_TCP`]: address,
    [`KUBERNETES_PORT_${port}_TCP_PROTO`]: 'tcp',
    [`KUBERNETES_PORT_${port}_TCP_PORT`]: port,
    [`KUBERNETES_PORT_${port}_TCP_ADDR`]: host,
    ...options.env,
  };
}

/** One line of the process's stdout or stderr, with when it was read. */
export interface OutputLine {
  at: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** A process started by {@link startInPod}. */
export interface PodProcess {
  /** Its pid, which stays the same from `unshare` through `setpriv` to the command: each execs the next. */
  readonly pid: number;
  /** Everything it printed so far. */
  readonly output: OutputLine[];
  /** Whether it has exited, and how. */
  exit: { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;
  /**
   * Resolves with the first line printed at or after `since` (already or to come) that `matches`; rejects after
   * `timeoutMs` or on exit.
   */
  waitForLine(what: string, matches: (text: string) => boolean, timeoutMs: number, since?: number): Promise<OutputLine>;
  /** SIGTERM to its process group, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Run `command` as a Pod's container would: in a private mount namespace where a tmpfs covers /run (so
 * /var/run) and `volume.dir` is bind-mounted read-only at {@link serviceAccountMountPath}, then, with root's
 * rights dropped, as `user` (no supplementary groups) in `cwd` with exactly `env`. Needs root, `unshare`
 * and `setpriv` (util-linux). The mount namespace ends with the process; stop it through {@link PodProcess.stop}.
 */
export function startInPod(options: {
  command: string[];
  cwd: string;
  user: { uid: number; gid: number };
  env: NodeJS.ProcessEnv;
  volume: ServiceAccountVolume;
}): PodProcess {
  const script = [
    'set -e',
    'mount -t tmpfs -o mode=0755 tmpfs /run',
    `mkdir -p ${serviceAccountMountPath}`,
    `mount --bind "$1" ${serviceAccountMountPath}`,
    `mount -o remount,bind,ro ${serviceAccountMountPath}`,
    'uid=$2 gid=$3',
    'shift 3',
    'exec setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"',
  ].join('\n');
  const { uid, gid } = options.user;
  const child: ChildProcess = spawn(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      script,
      'sh',
      options.volume.dir,
      String(uid),
      String(gid),
      ...options.command,
    ],
    { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (child.pid === undefined) throw new Error(`cannot start ${options.command.join(' ')} in a Pod's environment`);
  const output: OutputLine[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  for (const stream of ['stdout', 'stderr'] as const) {
    let partial = '';
    child[stream]!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      for (const text of lines) output.push({ at: Date.now(), stream, text });
      notify();
    });
  }
  // Detached, it would outlive a test process that ends without stopping it.
  const killOnExit = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      process.off('exit', killOnExit);
      process_.exit = { code, signal, at: Date.now() };
      notify();
      resolve();
    });
  });
  const process_: PodProcess = {
    pid: child.pid,
    output,
    exit: undefined,
    waitForLine(what, matches, timeoutMs, since = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = output.find((l) => l.at >= since && matches(l.text));
          if (line) finish(() => resolve(line));
          else if (process_.exit)
            finish(() => reject(new Error(`the process exited (${JSON.stringify(process_.exit)}) before printing ${what}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no line printed ${what} within ${timeoutMs} ms`))), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    async stop(graceMs = 10_000) {
      if (process_.exit) return;
      const signal = (name: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, name);
        } catch {
          // Already gone.
        }
      };
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return process_;
}
