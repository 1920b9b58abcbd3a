import { readFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type Cluster, KubeConfig, type User } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { ClientError } from './api-error.ts';
import { type Credentials, DelegatedCredentials, StaticCredentials, TokenFileCredentials } from './credentials.ts';
import { type ExecConfig, ExecCredentials } from './exec-credentials.ts';

/** Everything needed to talk to one API server: where it is, how to trust it, who we are. */
export interface ConnectionConfig {
  /** The kubeconfig file, or `in-cluster`. */
  source: string;
  server: string;
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean; servername?: string };
  credentials: Credentials;
  /** The context's namespace (or the pod's, in a cluster). */
  namespace: string | undefined;
}

const inClusterDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The kubeconfig path `kubectl` would use: the first of `$KUBECONFIG`, then `~/.kube/config`. */
export function defaultKubeconfigPath(): string {
  return process.env['KUBECONFIG']?.split(':').find(Boolean) ?? join(homedir(), '.kube', 'config');
}

/** Load a kubeconfig file; every failure is a `KUBECONFIG_INVALID` error naming the file and the problem. */
export async function loadKubeconfig(path: string, context?: string): Promise<ConnectionConfig> {
  const invalid = (problem: string, cause?: unknown) =>
    new ClientError('KUBECONFIG_INVALID', `kubeconfig ${path}: ${problem}`, cause === undefined ? undefined : { cause });
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ClientError('KUBECONFIG_INVALID',
      `cannot read kubeconfig ${path}: ${(cause as Error).message}; set KUBECONFIG or pass kubeconfigPath to a valid file`, { cause });
  }
  const kubeConfig = new KubeConfig();
  let tokenFiles: Map<string, string>;
  try {
    const raw: unknown = parse(text);
    // Token files are ours to read (and re-read, relative to the kubeconfig); client-node would read them once.
    tokenFiles = takeTokenFiles(raw);
    kubeConfig.loadFromString(JSON.stringify(raw));
  } catch (cause) {
    throw invalid(`${(cause as Error).message.split('\n')[0]}`, cause);
  }
  if (context !== undefined) {
    if (!kubeConfig.getContextObject(context)) throw invalid(`has no context "${context}" (it has: ${kubeConfig.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    kubeConfig.setCurrentContext(context);
  }
  const contextName = kubeConfig.getCurrentContext();
  if (!contextName) throw invalid('sets no current-context; set one, or pass the context to use');
  const contextObject = kubeConfig.getContextObject(contextName);
  if (!contextObject) throw invalid(`its current-context "${contextName}" is not among its contexts`);
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster?.server) throw invalid(`context "${contextName}" names cluster "${contextObject.cluster}", which is missing or has no server`);
  const user = kubeConfig.getCurrentUser();
  const baseDir = dirname(resolve(path));
  const readPem = async (data: string | undefined, file: string | undefined, what: string): Promise<Buffer | undefined> => {
    if (data) return Buffer.from(data, 'base64');
    if (!file) return undefined;
    try {
      return await readFile(resolve(baseDir, file));
    } catch (cause) {
      throw invalid(`cannot read the ${what} file ${file}: ${(cause as Error).message}`, cause);
    }
  };
  return {
    source: path,
    server: cluster.server.replace(/\/$/, ''),
    tls: {
      ca: await readPem(cluster.caData, cluster.caFile, 'certificate-authority'),
      cert: await readPem(user?.certData, user?.certFile, 'client-certificate'),
      key: await readPem(user?.keyData, user?.keyFile, 'client-key'),
      rejectUnauthorized: !cluster.skipTLSVerify,
      servername: tlsServerName(cluster),
    },
    credentials: credentialsFor(kubeConfig, user, tokenFiles.get(user?.name ?? ''), baseDir, path),
    namespace: contextObject.namespace,
  };
}

/**
 * The configuration of a pod's service account: `KUBERNETES_SERVICE_HOST`/`_PORT`, the CA, and the token
 * file the kubelet rotates (re-read, see {@link TokenFileCredentials}). `dir` replaces the mount path in tests.
 */
export async function loadInCluster(dir = inClusterDir): Promise<ConnectionConfig> {
  const host = process.env['KUBERNETES_SERVICE_HOST'];
  const port = process.env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) {
    throw new ClientError('KUBECONFIG_INVALID',
      'not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set; pass a kubeconfig instead');
  }
  let ca: Buffer;
  try {
    ca = await readFile(join(dir, 'ca.crt'));
  } catch (cause) {
    throw new ClientError('KUBECONFIG_INVALID', `in-cluster CA ${join(dir, 'ca.crt')} is unreadable: ${(cause as Error).message}; is a service account token mounted?`, { cause });
  }
  const namespace = await readFile(join(dir, 'namespace'), 'utf8').then((s) => s.trim(), () => undefined);
  return {
    source: 'in-cluster',
    server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    tls: { ca, rejectUnauthorized: true },
    credentials: new TokenFileCredentials(join(dir, 'token')),
    namespace,
  };
}

function tlsServerName(cluster: Cluster): string | undefined {
  return cluster.tlsServerName || undefined;
}

/**
 * Remove the token file (`tokenFile`, as client-go writes it, or `token-file`, as client-node reads it)
 * from every user of a parsed kubeconfig, and return them by user name.
 */
function takeTokenFiles(raw: unknown): Map<string, string> {
  const files = new Map<string, string>();
  const users = (raw as { users?: unknown } | null)?.users;
  if (!Array.isArray(users)) return files;
  for (const entry of users as Array<{ name?: unknown; user?: Record<string, unknown> }>) {
    const file = entry.user?.['tokenFile'] ?? entry.user?.['token-file'];
    if (typeof entry.name === 'string' && typeof file === 'string' && file) {
      files.set(entry.name, file);
      delete entry.user!['tokenFile'];
      delete entry.user!['token-file'];
    }
  }
  return files;
}

function credentialsFor(kubeConfig: KubeConfig, user: User | null, tokenFile: string | undefined, baseDir: string, path: string): Credentials {
  const who = `user "${user?.name ?? '(none)'}" of kubeconfig ${path}`;
  if (user?.exec) return new ExecCredentials(user.exec as ExecConfig, baseDir);
  if (tokenFile) return new TokenFileCredentials(resolve(baseDir, tokenFile));
  const provider = user?.authProvider as { name?: string; config?: { tokenFile?: string } } | undefined;
  if (provider?.config?.tokenFile) return new TokenFileCredentials(resolve(baseDir, provider.config.tokenFile));
  if (provider) {
    return new DelegatedCredentials(`the "${provider.name}" auth provider of ${who}`, async () => {
      const opts: { headers?: Record<string, string> } = {};
      await kubeConfig.applyToHTTPSOptions(opts);
      return opts.headers ?? {};
    });
  }
  if (user?.token) {
    return new StaticCredentials({ headers: { authorization: `Bearer ${user.token}` } }, `the token of ${who}`,
      `put a valid token in ${path}, or use a token file or exec plugin that can be refreshed`);
  }
  if (user?.username && user.password) {
    const basic = Buffer.from(`${user.username}:${user.password}`).toString('base64');
    return new StaticCredentials({ headers: { authorization: `Basic ${basic}` } }, `the password of ${who}`, `fix the password in ${path}`);
  }
  if (user?.certData || user?.certFile) {
    return new StaticCredentials({ headers: {} }, `the client certificate of ${who}`, `renew the client certificate in ${path}`);
  }
  return new StaticCredentials({ headers: {} }, `no credentials (${who} has none)`, `add credentials for the user to ${path}`);
}
