/** The message of the manager's log line that announces where its probes and metrics are served. */
export const probesServingMessage = 'serving /healthz, /readyz and /metrics';

/**
 * The probe port announced in one JSON log line of a manager, or `undefined` for any other line: how a
 * parent process learns the port of an operator started with `--health-port=0`.
 *
 * For example `probePortInLogLine('{"level":30,"port":40123,"msg":"serving /healthz, /readyz and /metrics"}')`
 * is 40123. Private: the test kit (`capstan/testing`) and `npm start` use it.
 */
export function probePortInLogLine(line: string): number | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: unknown; port?: unknown };
    return entry.msg === probesServingMessage && typeof entry.port === 'number' ? entry.port : undefined;
  } catch {
    return undefined;
  }
}
