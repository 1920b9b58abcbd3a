// Where a profiled operator's CPU went: a V8 `.cpuprofile` (node --cpu-prof) summed by self time into the
// categories the report prints beside a missed CPU target. Self time, not total: each sample counts once, in the
// frame that was running, so the shares add up to 100 % of the busy time (idle samples are left out).

/** The fields of a V8 `.cpuprofile` this reads. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
  /** The node id of each sample. */
  samples: number[];
  /** Microseconds since the previous sample (the first: since `startTime`). */
  timeDeltas: number[];
}

/** One category's share of the busy samples. */
export interface CpuShare {
  category: string;
  /** Milliseconds of samples in it. */
  ms: number;
  /** Its fraction of the busy (non-idle) samples, 0 to 1. */
  share: number;
}

const pinoFamily =
  /^(pino|pino-std-serializers|sonic-boom|thread-stream|fast-redact|quick-format-unescaped|atomic-sleep|on-exit-leak-free|safe-stable-stringify|real-require|process-warning)$/;
const promFamily = /^(prom-client|tdigest|bintrees)$/;
const nodeIo =
  /^node:(_tls_wrap|_tls_common|tls|net|_http_\w+|https?|stream|internal\/(tls|net|stream_base_commons|streams|js_stream_socket)\b)/;
/** Native functions that write to a socket: TLS encryption and the syscall happen inside them. */
const socketWrites = /^(writev|writeBuffer|writeString|writeLatin1String|writeUtf8String|writeAsciiString|writeUcs2String)$/;

/** The package name in a `node_modules` path (scoped ones whole), or undefined. */
function packageOf(path: string): string | undefined {
  const at = path.lastIndexOf('/node_modules/');
  if (at < 0) return undefined;
  const [first, second] = path.slice(at + '/node_modules/'.length).split('/');
  return first?.startsWith('@') ? `${first}/${second}` : first;
}

/** The report's category of one frame. */
export function categoryOf(frame: { functionName: string; url: string }): string {
  const { functionName, url } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'garbage collection';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(program)') return 'V8 and native, unattributed (compilation, runtime)';
    if (socketWrites.test(functionName)) return 'TLS and sockets (node)';
    if (functionName === 'parse' || functionName === 'stringify') return 'JSON parse and stringify';
    return 'V8 and native, unattributed (compilation, runtime)';
  }
  if (url.startsWith('wasm://')) return 'HTTP parser (llhttp, WebAssembly)';
  if (url.startsWith('node:')) {
    if (nodeIo.test(url)) return 'TLS and sockets (node)';
    if (url.startsWith('node:internal/modules')) return 'module loading';
    // Any other part of node by its module (`node:internal/timers`, `node:events`): which one matters.
    return url.replace(/^(node:(?:internal\/)?[^/]+).*$/, '$1');
  }
  const path = url.replace(/^file:\/\//, '');
  const pkg = packageOf(path);
  if (pkg === 'undici') return 'HTTP client (undici)';
  if (pkg !== undefined && pinoFamily.test(pkg)) return 'logging (pino)';
  if (pkg !== undefined && promFamily.test(pkg)) return 'metrics (prom-client)';
  if (pkg === 'capstan' || (pkg === undefined && /\/(dist|src)\/[a-z-]+\//.test(path) && !/\/examples\//.test(path))) {
    const layer = /\/(?:dist|src)\/([a-z-]+)\//.exec(path)?.[1];
    return `capstan ${layer ?? ''}`.trim();
  }
  if (pkg !== undefined) return `package ${pkg}`;
  return "the operator's own code";
}

/** Self time by category, largest first, over the busy samples of `profile`. */
export function selfTimeByCategory(profile: CpuProfile): CpuShare[] {
  const categoryById = new Map(profile.nodes.map((node) => [node.id, categoryOf(node.callFrame)]));
  const micros = new Map<string, number>();
  // A sample's time is the delta that follows it (the time until the next sample); the last one has none.
  for (let i = 0; i < profile.samples.length; i++) {
    const category = categoryById.get(profile.samples[i]!) ?? 'V8 and native, unattributed (compilation, runtime)';
    const delta = profile.timeDeltas[i + 1] ?? 0;
    micros.set(category, (micros.get(category) ?? 0) + Math.max(0, delta));
  }
  micros.delete('(idle)');
  const busy = [...micros.values()].reduce((sum, v) => sum + v, 0);
  return [...micros].map(([category, us]) => ({ category, ms: us / 1000, share: busy > 0 ? us / busy : 0 })).sort((a, b) => b.ms - a.ms);
}
