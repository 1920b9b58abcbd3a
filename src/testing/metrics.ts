// The operator's metrics as a test reads them. Every read of a /metrics page in the kit goes through
// readMetrics, so that how the page is reached (today plain HTTP on the probe port) changes in one place.

/**
 * The Prometheus text of a manager's `/metrics` page, served on its probe port on loopback (the port an
 * operator started with `--health-port=0` announces, {@link RunningOperator.probePort}; `manager.probePort`
 * in-process). Rejects unless the page answers 200.
 *
 * @example
 * ```ts
 * import { Manager } from 'capstan';
 * import { metricValue, readMetrics } from 'capstan/testing';
 * const manager = new Manager({ probes: { host: '127.0.0.1', port: 0 } });
 * await manager.start();
 * if (manager.probePort !== undefined) {
 *   const text = await readMetrics(manager.probePort);
 *   console.log(metricValue(text, 'process_start_time_seconds'));
 * }
 * await manager.stop();
 * ```
 */
export async function readMetrics(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET http://127.0.0.1:${port}/metrics: ${response.status}: ${text.slice(0, 500)}`);
  return text;
}

/** One sample of a Prometheus text page. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * The value of the metric `name` in a Prometheus text page: the sum of the samples of that name whose labels
 * include every one of `labels` (the label order of the page does not matter), or `undefined` when no sample
 * matches. With every label of one series given, that is the series' value.
 *
 * @example
 * ```ts
 * import { metricValue } from 'capstan/testing';
 * const text = [
 *   'controller_runtime_reconcile_total{controller="helloworld",result="success"} 12',
 *   'controller_runtime_reconcile_total{controller="helloworld",result="error"} 1',
 * ].join('\n');
 * metricValue(text, 'controller_runtime_reconcile_total', { result: 'success', controller: 'helloworld' }); // 12
 * metricValue(text, 'controller_runtime_reconcile_total', { controller: 'helloworld' }); // 13
 * metricValue(text, 'workqueue_depth'); // undefined
 * ```
 */
export function metricValue(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const sample = parseSample(line);
    if (sample?.name !== name) continue;
    if (Object.entries(labels).every(([label, value]) => sample.labels[label] === value)) sum = (sum ?? 0) + sample.value;
  }
  return sum;
}

/** `name{a="x",b="y"} value [timestamp]`, or undefined for a comment, a blank line or anything malformed. */
function parseSample(line: string): Sample | undefined {
  const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (!head) return undefined;
  const name = head[1]!;
  const labels: Record<string, string> = {};
  let i = name.length;
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const label = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
      if (!label || line[i + label[0].length] !== '=' || line[i + label[0].length + 1] !== '"') return undefined;
      i += label[0].length + 2;
      let value = '';
      for (;;) {
        const c = line[i++];
        if (c === undefined) return undefined;
        if (c === '"') break;
        if (c === '\\') {
          const escaped = line[i++];
          value += escaped === 'n' ? '\n' : (escaped ?? '');
        } else value += c;
      }
      labels[label[0]] = value;
    }
  }
  const [valueText] = line.slice(i).trim().split(/\s+/);
  if (!valueText) return undefined;
  const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
  return Number.isNaN(value) && valueText !== 'NaN' ? undefined : { name, labels, value };
}
