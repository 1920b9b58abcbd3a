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

/**
 * Where `/metrics` is served, as one JSON log line of a manager (started with `--metrics-port=0`) announces it: its port
 * and whether it is HTTPS (`secure`, true unless the line says false); `undefined` for any other line.
 */
export function metricsEndpointInLogLine(line: string): { port: number; secure: boolean } | undefined {
  const entry = announcement(line, metricsServingMessage);
  return entry && { port: entry.port, secure: entry.secure !== false };
}

function portInLogLine(line: string, message: string): number | undefined {
  return announcement(line, message)?.port;
}

function announcement(line: string, message: string): { port: number; secure?: unknown } | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: unknown; port?: unknown; secure?: unknown };
    return entry.msg === message && typeof entry.port === 'number' ? { port: entry.port, secure: entry.secure } : undefined;
  } catch {
    return undefined;
  }
}
