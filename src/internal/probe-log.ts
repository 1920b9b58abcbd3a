/** The message of the manager's log line that announces where its probes are served. */
export const probesServingMessage = 'serving /healthz and /readyz';

/** The message of the manager's log line that announces where `/metrics` is served (`port`, `secure`). */
export const metricsServingMessage = 'serving /metrics';

/**
 * The probe port announced in one JSON log line of a manager, or `undefined` for any other line: how a
 * parent process learns the port of an operator started with `--health-port=0`.
 *
 * For example `probePortInLogLine('{"level":30,"port":40123,"msg":"serving /healthz and /readyz"}')`
 * is 40123. Private: the test kit (`capstan/testing`) and `npm start` use it.
 */
export function probePortInLogLine(line: string): number | undefined {
  return portInLogLine(line, probesServingMessage);
}

/** The metrics port announced in one JSON log line of a manager (started with `--metrics-port=0`), or `undefined`. */
export function metricsPortInLogLine(line: string): number | undefined {
  return portInLogLine(line, metricsServingMessage);
}

function portInLogLine(line: string, message: string): number | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: unknown; port?: unknown };
    return entry.msg === message && typeof entry.port === 'number' ? entry.port : undefined;
  } catch {
    return undefined;
  }
}
