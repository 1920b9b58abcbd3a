import { parseArgs } from 'node:util';
import { CapstanError, webhookServiceName } from '../core/index.ts';
import type { ManagerOptions } from './manager.ts';

/**
 * A command line the operator cannot run with; the message says which flag and what to pass. Its code is
 * `INVALID_FLAG`: print the message and exit with a usage error rather than retrying.
 *
 * @example
 * ```ts
 * import { Manager, ManagerFlagError, managerOptionsFromFlags } from 'capstan';
 * try {
 *   await new Manager(managerOptionsFromFlags({ leaseName: 'hello-world-operator' })).run();
 * } catch (err) {
 *   if (!(err instanceof ManagerFlagError)) throw err;
 *   console.error(err.message); // names the flag, and lists them all when it is unknown
 *   process.exit(2);
 * }
 * ```
 */
export class ManagerFlagError extends CapstanError<'INVALID_FLAG'> {}

/**
 * What {@link managerOptionsFromFlags} reads besides the flags.
 *
 * @noExample Options of {@link managerOptionsFromFlags}; its example shows them in use.
 */
export interface ManagerFlagsInput {
  /** The Lease's name when `--leader-elect` is on: the operator's name. */
  leaseName: string;
  /** The command line after the script (default `process.argv.slice(2)`). */
  args?: readonly string[];
  /** Where `POD_NAMESPACE` is read (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
}

const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/**
 * The flags every Capstan operator takes, for its `--help`: one line per flag, indented by two spaces.
 *
 * @example
 * ```ts
 * import { managerFlagsHelp } from 'capstan/manager';
 * if (process.argv.includes('--help')) {
 *   console.log(`Usage: hello-world-operator [flags]\n\nFlags:\n${managerFlagsHelp}`);
 *   process.exit(0);
 * }
 * ```
 */
export const managerFlagsHelp = `  --namespace <ns>[,<ns>...]       watch and reconcile only this namespace, or these (a Role in each suffices)
  --leader-elect                   several replicas, one active at a time, through a Lease
  --leader-election-namespace <ns> where the Lease lives (default: $POD_NAMESPACE)
  --health-port <port>             /healthz and /readyz, plain HTTP (default 8081; 0 picks a free port)
  --metrics-port <port>            /metrics over HTTPS for callers allowed to get /metrics (default 8443; 0 picks a free port)
  --metrics-insecure               serve /metrics over plain HTTP to anyone instead (development only)
  --metrics-cert-dir <dir>         the metrics certificate: tls.crt and tls.key (default: one made at start)
  --log-level <level>              ${logLevels.join(', ')} (default info; debug logs every request and reconcile)
  --watch-inactivity-timeout <d>   reopen a watch silent this long, e.g. 150s or 2m (default 150s)
  --watch-resume-bound <d>         /readyz fails while a watch cannot resume for this long (default 60s)
  --webhook-port <port>            where admission webhooks are served, if any (default 9443; 0 picks a free port)
  --webhook-cert-dir <dir>         their certificate: tls.crt and tls.key (default /tmp/k8s-webhook-server/serving-certs)
  --webhook-cert-secret <name>     instead, manage the certificate in this Secret of $POD_NAMESPACE (no cert-manager)
  --webhook-service <name>         the webhook Service the managed certificate covers (default <operator>-webhook-service)`;

/**
 * The standard command line of an operator's entry point, as {@link ManagerOptions}: `--namespace`,
 * `--leader-elect`, `--leader-election-namespace` (or `$POD_NAMESPACE`), `--health-port`, `--metrics-port`,
 * `--metrics-insecure`, `--metrics-cert-dir`, `--log-level`,
 * `--watch-inactivity-timeout`, `--watch-resume-bound`, `--webhook-port`, `--webhook-cert-dir`, `--webhook-cert-secret` and `--webhook-service`. In a Pod (`$POD_NAMESPACE` set) the probes and metrics listen on every interface,
 * elsewhere on loopback only. Throws {@link ManagerFlagError} naming the flag for anything it cannot use.
 *
 * @example
 * ```ts
 * import { Manager, managerOptionsFromFlags } from 'capstan/manager';
 * const options = managerOptionsFromFlags({ leaseName: 'hello-world-operator', args: ['--leader-elect', '--leader-election-namespace=hello-world-system'] });
 * const manager = new Manager(options);
 * console.log(options.leaderElection);
 * ```
 */
export function managerOptionsFromFlags(input: ManagerFlagsInput): ManagerOptions {
  const env = input.env ?? process.env;
  let values;
  try {
    ({ values } = parseArgs({
      args: [...(input.args ?? process.argv.slice(2))],
      options: {
        namespace: { type: 'string' },
        'leader-elect': { type: 'boolean', default: false },
        'leader-election-namespace': { type: 'string' },
        'health-port': { type: 'string', default: '8081' },
        'metrics-port': { type: 'string', default: '8443' },
        'metrics-insecure': { type: 'boolean', default: false },
        'metrics-cert-dir': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        'watch-inactivity-timeout': { type: 'string' },
        'watch-resume-bound': { type: 'string' },
        'webhook-port': { type: 'string', default: '9443' },
        'webhook-cert-dir': { type: 'string', default: '/tmp/k8s-webhook-server/serving-certs' },
        'webhook-cert-secret': { type: 'string' },
        'webhook-service': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new ManagerFlagError('INVALID_FLAG', `${(err as Error).message}\nThe flags are:\n${managerFlagsHelp}`);
  }
  const podNamespace = env['POD_NAMESPACE'];
  const leaseNamespace = values['leader-election-namespace'] ?? podNamespace;
  if (values['leader-elect'] && !leaseNamespace) {
    throw new ManagerFlagError(
      'INVALID_FLAG',
      '--leader-elect needs the namespace of the Lease: set POD_NAMESPACE or pass --leader-election-namespace',
    );
  }
  const portOf = (flag: 'health-port' | 'metrics-port' | 'webhook-port') => {
    const value = Number(values[flag]);
    if (!Number.isInteger(value) || value < 0 || value > 65535) {
      throw new ManagerFlagError('INVALID_FLAG', `--${flag}=${values[flag]} is not a port number (0 to 65535; 0 picks a free one)`);
    }
    return value;
  };
  const port = portOf('health-port');
  const webhookPort = portOf('webhook-port');
  const metricsPort = portOf('metrics-port');
  const metricsCertDir = values['metrics-cert-dir'];
  if (values['metrics-insecure'] && metricsCertDir !== undefined) {
    throw new ManagerFlagError('INVALID_FLAG', '--metrics-cert-dir is for HTTPS; --metrics-insecure serves plain HTTP: pass one of them');
  }
  const logLevel = values['log-level'];
  if (!isLogLevel(logLevel)) throw new ManagerFlagError('INVALID_FLAG', `--log-level=${logLevel}: use one of ${logLevels.join(', ')}`);
  const watchInactivityTimeoutMs = durationFlag('watch-inactivity-timeout', values['watch-inactivity-timeout'], '150s or 2m');
  const watchResumeBoundMs = durationFlag('watch-resume-bound', values['watch-resume-bound'], '60s or 2m');
  return {
    ...namespaceOption(values.namespace),
    leaderElection: values['leader-elect'] && leaseNamespace ? { namespace: leaseNamespace, name: input.leaseName } : false,
    // In a Pod the kubelet probes from outside; locally, listen on loopback only.
    probes: { host: podNamespace ? '0.0.0.0' : '127.0.0.1', port, ...(watchResumeBoundMs === undefined ? {} : { watchResumeBoundMs }) },
    // Scraped from outside in a Pod (Prometheus, through a Service); locally, loopback only.
    metrics: {
      host: podNamespace ? '0.0.0.0' : '127.0.0.1',
      port: metricsPort,
      ...(values['metrics-insecure'] ? { insecure: true } : {}),
      ...(metricsCertDir === undefined ? {} : { certDir: metricsCertDir }),
    },
    // Served only when the operator adds webhooks; in a Pod the API server calls from outside.
    webhooks: {
      certDir: values['webhook-cert-dir'],
      port: webhookPort,
      host: podNamespace ? '0.0.0.0' : '127.0.0.1',
      ...managedCertificates(values['webhook-cert-secret'], values['webhook-service'], leaseNamespace, input.leaseName),
    },
    logLevel,
    ...(watchInactivityTimeoutMs === undefined ? {} : { watchInactivityTimeoutMs }),
  };
}

/**
 * `--webhook-cert-secret`: the certificate kept in that Secret of the operator's namespace, covering the webhook
 * Service, with the caBundle of the webhook configurations named after the operator kept current.
 */
function managedCertificates(
  secret: string | undefined,
  service: string | undefined,
  namespace: string | undefined,
  operator: string,
): Pick<NonNullable<ManagerOptions['webhooks']>, 'certificates'> {
  if (secret === undefined) return {};
  if (!namespace) {
    throw new ManagerFlagError(
      'INVALID_FLAG',
      '--webhook-cert-secret needs the namespace of the Secret: set POD_NAMESPACE or pass --leader-election-namespace',
    );
  }
  const host = `${service ?? webhookServiceName(operator)}.${namespace}.svc`;
  return {
    certificates: {
      secret: { name: secret, namespace },
      hosts: [host, `${host}.cluster.local`],
      validatingConfigurations: [operator],
      mutatingConfigurations: [operator],
    },
  };
}

/** `--namespace=a` or `--namespace=a,b`: one namespace, or a set of them. */
function namespaceOption(flag: string | undefined): Pick<ManagerOptions, 'namespace'> {
  if (!flag) return {};
  const namespaces = [...new Set(flag.split(',').map((n) => n.trim()))];
  for (const name of namespaces) {
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) {
      throw new ManagerFlagError(
        'INVALID_FLAG',
        `--namespace=${flag}: "${name}" is not a namespace name (a DNS label); give one or a comma-separated list`,
      );
    }
  }
  return { namespace: namespaces.length === 1 ? namespaces[0]! : namespaces };
}

function isLogLevel(level: string | undefined): level is (typeof logLevels)[number] {
  return (logLevels as readonly (string | undefined)[]).includes(level);
}

/** A duration flag of at least 1 s, in ms; undefined when not given. */
function durationFlag(flag: string, text: string | undefined, examples: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = durationMs(text);
  if (!(ms >= 1000)) throw new ManagerFlagError('INVALID_FLAG', `--${flag}=${text}: give a duration of at least 1s, such as ${examples}`);
  return ms;
}

/** `150s`, `2m`, `500ms` or a plain number of seconds → milliseconds; NaN for anything else. */
function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!match) return Number.NaN;
  const unit = match[2] ?? 's';
  return Number(match[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000);
}
