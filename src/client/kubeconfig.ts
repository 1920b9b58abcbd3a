import { readFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ClientError } from './api-error.ts';
import { type Credentials, DelegatedCredentials, StaticCredentials, TokenFileCredentials } from './credentials.ts';
import { type ExecConfig, ExecCredentials } from './exec-credentials.ts';

/**
 * Everything needed to talk to one API server: where it is, how to trust it, who we are.
 *
 * @noExample What {@link loadKubeconfig} and {@link loadInCluster} return; their examples read it.
 */
export interface ConnectionConfig {
  /** The kubeconfig file, or `in-cluster`. */
  source: string;
  /** The API server's URL, without a trailing slash. */
  server: string;
  /** How to trust the server, and the client certificate to present, if any. */
  tls: {
    /** The CA bundle (PEM) that signs the server's certificate; Node's default CAs when absent. */
    ca?: Buffer;
    /** The user's client certificate (PEM), from the kubeconfig. */
    cert?: Buffer;
    /** Its private key (PEM). */
    key?: Buffer;
    /** False only with the cluster's `insecure-skip-tls-verify: true`. */
    rejectUnauthorized: boolean;
    /** The cluster's `tls-server-name`: the name to check the server's certificate against instead of the URL's host. */
    servername?: string;
  };
  /** How requests authenticate: an exec plugin, a token file, an auth provider, a token, a password, or none. */
  credentials: Credentials;
  /** The context's namespace (or the pod's, in a cluster). */
  namespace: string | undefined;
}

const inClusterDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The kubeconfig file to read: the first path in `$KUBECONFIG`, else `~/.kube/config`. Unlike kubectl, Capstan does
 * not merge the other files a `$KUBECONFIG` list names: put the context in the first one.
 *
 * @example
 * ```ts
 * import { defaultKubeconfigPath, loadKubeconfig } from 'capstan/client';
 * const path = defaultKubeconfigPath();
 * const { server } = await loadKubeconfig(path);
 * console.log(`${path}: ${server}`);
 * ```
 */
export function defaultKubeconfigPath(): string {
  return process.env['KUBECONFIG']?.split(':').find(Boolean) ?? join(homedir(), '.kube', 'config');
}

/**
 * Read a kubeconfig file and resolve one context into a {@link ConnectionConfig}: the cluster's server and TLS
 * settings (certificate files relative to the kubeconfig's directory) and the user's credentials, chosen in this
 * order: exec plugin, token file, auth provider (needs the optional `@kubernetes/client-node`), token, username and
 * password, client certificate. It only reads: the exec plugin runs at the first request.
 *
 * @param path The kubeconfig file, e.g. {@link defaultKubeconfigPath}'s.
 * @param context The context to use; the file's `current-context` when omitted.
 * @throws {@link ClientError} `KUBECONFIG_INVALID`, naming the file and the problem (unreadable, no such context,
 * a cluster without a server, a field of the wrong type).
 * @example
 * ```ts
 * import { defaultKubeconfigPath, loadKubeconfig } from 'capstan/client';
 * const config = await loadKubeconfig(defaultKubeconfigPath(), 'kind-dev');
 * console.log(config.server, config.namespace ?? 'default', config.credentials.description);
 * ```
 */
export async function loadKubeconfig(path: string, context?: string): Promise<ConnectionConfig> {
  const invalid = (problem: string, cause?: unknown) =>
    new ClientError('KUBECONFIG_INVALID', `kubeconfig ${path}: ${problem}`, cause === undefined ? undefined : { cause });
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ClientError(
      'KUBECONFIG_INVALID',
      `cannot read kubeconfig ${path}: ${(cause as Error).message}; set KUBECONFIG or pass kubeconfigPath to a valid file`,
      { cause },
    );
  }
  let kubeconfig: Kubeconfig;
  try {
    kubeconfig = readKubeconfig(parse(text));
  } catch (cause) {
    throw invalid(`${(cause as Error).message.split('\n')[0]}`, cause);
  }
  const contexts = kubeconfig.contexts;
  const contextName = context ?? kubeconfig.currentContext;
  if (context !== undefined && !contexts.has(context))
    throw invalid(`has no context "${context}" (it has: ${[...contexts.keys()].join(', ') || 'none'})`);
  if (!contextName) throw invalid('sets no current-context; set one, or pass the context to use');
  const contextObject = contexts.get(contextName);
  if (!contextObject) throw invalid(`its current-context "${contextName}" is not among its contexts`);
  const cluster = kubeconfig.clusters.get(contextObject.cluster);
  if (!cluster?.server)
    throw invalid(`context "${contextName}" names cluster "${contextObject.cluster}", which is missing or has no server`);
  const user = contextObject.user === undefined ? undefined : kubeconfig.users.get(contextObject.user);
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
    credentials: credentialsFor(text, contextName, user, baseDir, path),
    namespace: contextObject.namespace,
  };
}

/**
 * The configuration of a pod's service account: `KUBERNETES_SERVICE_HOST`/`_PORT`, the CA, and the token
 * file the kubelet rotates (re-read, see {@link TokenFileCredentials}). `dir` replaces the mount path in tests.
 *
 * @throws {@link ClientError} `KUBECONFIG_INVALID` outside a pod (no `KUBERNETES_SERVICE_HOST`) or without a mounted
 * service account token.
 * @example
 * ```ts
 * import { loadInCluster } from 'capstan/client';
 * const { namespace, server } = await loadInCluster();
 * console.log(`running in namespace ${namespace ?? '(unknown)'}, API server ${server}`);
 * ```
 */
export async function loadInCluster(dir = inClusterDir): Promise<ConnectionConfig> {
  const host = process.env['KUBERNETES_SERVICE_HOST'];
  const port = process.env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) {
    throw new ClientError(
      'KUBECONFIG_INVALID',
      'not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set; pass a kubeconfig instead',
    );
  }
  let ca: Buffer;
  try {
    ca = await readFile(join(dir, 'ca.crt'));
  } catch (cause) {
    throw new ClientError(
      'KUBECONFIG_INVALID',
      `in-cluster CA ${join(dir, 'ca.crt')} is unreadable: ${(cause as Error).message}; is a service account token mounted?`,
      { cause },
    );
  }
  const namespace = await readFile(join(dir, 'namespace'), 'utf8').then(
    (s) => s.trim(),
    () => undefined,
  );
  return {
    source: 'in-cluster',
    server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    tls: { ca, rejectUnauthorized: true },
    credentials: new TokenFileCredentials(join(dir, 'token')),
    namespace,
  };
}

function tlsServerName(cluster: KubeconfigCluster): string | undefined {
  return cluster.tlsServerName || undefined;
}

/** The parts of a kubeconfig Capstan reads, by name. */
interface Kubeconfig {
  currentContext: string | undefined;
  clusters: Map<string, KubeconfigCluster>;
  contexts: Map<string, { cluster: string; user: string | undefined; namespace: string | undefined }>;
  users: Map<string, KubeconfigUser>;
}

interface KubeconfigCluster {
  server: string | undefined;
  caData: string | undefined;
  caFile: string | undefined;
  skipTLSVerify: boolean;
  tlsServerName: string | undefined;
}

interface KubeconfigUser {
  name: string;
  token: string | undefined;
  /** `tokenFile` as client-go writes it, or `token-file`. */
  tokenFile: string | undefined;
  certData: string | undefined;
  certFile: string | undefined;
  keyData: string | undefined;
  keyFile: string | undefined;
  username: string | undefined;
  password: string | undefined;
  exec: ExecConfig | undefined;
  authProvider: { name?: string; config?: Record<string, unknown> } | undefined;
}

/**
 * Read a parsed kubeconfig (`clusters`, `contexts`, `users`, `current-context`) without
 * `@kubernetes/client-node`, whose import alone costs a process about 80 MiB; entries that are not
 * objects with a name, and fields of the wrong type, are errors naming the entry and the field.
 */
function readKubeconfig(raw: unknown): Kubeconfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error('is not a YAML mapping (apiVersion, clusters, contexts, users, current-context)');
  const root = raw as Record<string, unknown>;
  const named = (list: string, inner: string): Array<[string, Record<string, unknown>]> => {
    const entries = root[list] ?? [];
    if (!Array.isArray(entries)) throw new Error(`${list} is not a list`);
    return entries.map((entry: unknown, i) => {
      const e = entry as Record<string, unknown> | null;
      if (e === null || typeof e !== 'object' || typeof e['name'] !== 'string' || !e['name']) throw new Error(`${list}[${i}] has no name`);
      const body = e[inner] ?? {};
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        throw new Error(`${list}[${i}] (${e['name']}): ${inner} is not a mapping`);
      return [e['name'], body as Record<string, unknown>];
    });
  };
  const field = (where: string, body: Record<string, unknown>, key: string): string | undefined => {
    const value = body[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw new Error(`${where}: ${key} is not a string`);
    return value;
  };
  const clusters = new Map(
    named('clusters', 'cluster').map(([name, c]): [string, KubeconfigCluster] => {
      const where = `cluster "${name}"`;
      return [
        name,
        {
          server: field(where, c, 'server'),
          caData: field(where, c, 'certificate-authority-data'),
          caFile: field(where, c, 'certificate-authority'),
          skipTLSVerify: c['insecure-skip-tls-verify'] === true,
          tlsServerName: field(where, c, 'tls-server-name'),
        },
      ];
    }),
  );
  const contexts = new Map(
    named('contexts', 'context').map(([name, c]) => {
      const where = `context "${name}"`;
      const cluster = field(where, c, 'cluster');
      if (!cluster) throw new Error(`${where} names no cluster`);
      return [name, { cluster, user: field(where, c, 'user'), namespace: field(where, c, 'namespace') }];
    }),
  );
  const users = new Map(
    named('users', 'user').map(([name, u]): [string, KubeconfigUser] => {
      const where = `user "${name}"`;
      const exec = u['exec'];
      if (
        exec !== undefined &&
        exec !== null &&
        (typeof exec !== 'object' || typeof (exec as { command?: unknown }).command !== 'string')
      ) {
        throw new Error(`${where}: exec has no command`);
      }
      const authProvider = u['auth-provider'];
      return [
        name,
        {
          name,
          token: field(where, u, 'token'),
          tokenFile: field(where, u, 'tokenFile') ?? field(where, u, 'token-file'),
          certData: field(where, u, 'client-certificate-data'),
          certFile: field(where, u, 'client-certificate'),
          keyData: field(where, u, 'client-key-data'),
          keyFile: field(where, u, 'client-key'),
          username: field(where, u, 'username'),
          password: field(where, u, 'password'),
          exec: exec ? (exec as ExecConfig) : undefined,
          authProvider: authProvider && typeof authProvider === 'object' ? authProvider : undefined,
        },
      ];
    }),
  );
  const current = root['current-context'];
  return { currentContext: typeof current === 'string' && current ? current : undefined, clusters, contexts, users };
}

function credentialsFor(text: string, contextName: string, user: KubeconfigUser | undefined, baseDir: string, path: string): Credentials {
  const who = `user "${user?.name ?? '(none)'}" of kubeconfig ${path}`;
  if (user?.exec) return new ExecCredentials(user.exec, baseDir);
  if (user?.tokenFile) return new TokenFileCredentials(resolve(baseDir, user.tokenFile));
  const provider = user?.authProvider;
  const providerTokenFile = provider?.config?.['tokenFile'];
  if (typeof providerTokenFile === 'string' && providerTokenFile) return new TokenFileCredentials(resolve(baseDir, providerTokenFile));
  if (provider) {
    // OIDC and the cloud providers' plugins: client-node implements them, loaded only for such a user.
    let kubeConfig: Promise<{ applyToHTTPSOptions(opts: object): Promise<void> }> | undefined;
    return new DelegatedCredentials(`the "${provider.name}" auth provider of ${who}`, async () => {
      kubeConfig ??= import('@kubernetes/client-node').then(
        ({ KubeConfig }) => {
          const config = new KubeConfig();
          config.loadFromString(text);
          config.setCurrentContext(contextName);
          return config;
        },
        (cause: unknown) => {
          // An optional peer dependency: most users (in-cluster, exec plugins, tokens, certificates) never load it.
          if ((cause as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw cause;
          throw new Error('it needs the optional peer dependency @kubernetes/client-node: run `npm install @kubernetes/client-node`', {
            cause,
          });
        },
      );
      const opts: { headers?: Record<string, string> } = {};
      await (await kubeConfig).applyToHTTPSOptions(opts);
      return opts.headers ?? {};
    });
  }
  if (user?.token) {
    return new StaticCredentials(
      { headers: { authorization: `Bearer ${user.token}` } },
      `the token of ${who}`,
      `put a valid token in ${path}, or use a token file or exec plugin that can be refreshed`,
    );
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
