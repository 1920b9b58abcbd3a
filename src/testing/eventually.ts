import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Options of {@link eventually}.
 *
 * @noExample Options of {@link eventually}; its example shows them in use.
 */
export interface EventuallyOptions {
  /** How long to keep asking; defaults to 60 s. */
  timeoutMs?: number;
  /** The pause between two calls of the check; defaults to 250 ms. */
  intervalMs?: number;
  /**
   * More to say when the wait fails, such as the state of the operator under test and its last log lines
   * (`describe: operator.describe`): appended to the timeout's message.
   */
  describe?: () => string;
  /** Stops the wait early; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Call `check` until it returns something other than `undefined` or `false`, and resolve with that; a check
 * that throws is asked again (an assertion inside it is a condition not met yet). After `timeoutMs` it
 * rejects with an error that names what was awaited, for how long, the check's last error, and whatever
 * `describe` adds.
 *
 * Level, not edge: a test waits for a state of the cluster (`Ready=True` at the current generation), not for
 * a reconcile to happen, so it passes however many reconciles it took.
 *
 * @example
 * ```ts
 * import { test } from 'node:test';
 * import { ConfigMap } from 'capstan';
 * import { eventually, testCluster } from 'capstan/testing';
 * test('the ConfigMap carries the message', async (t) => {
 *   const cluster = await testCluster(t);
 *   const configMap = await eventually(
 *     'the ConfigMap hello-world to carry the message',
 *     async () => {
 *       const found = await cluster.admin.resource(ConfigMap).get('hello-world', { namespace: 'default' });
 *       return found.data?.['message'] === 'Hello' ? found : undefined;
 *     },
 *     { timeoutMs: 30_000 },
 *   );
 *   console.log(configMap.metadata.ownerReferences);
 * });
 * ```
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | false | undefined>,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 250;
  const started = Date.now();
  let last: unknown;
  let calls = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    calls++;
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    const left = timeoutMs - (Date.now() - started);
    if (left <= 0) break;
    await sleep(Math.min(intervalMs, left), undefined, { signal: options.signal }).catch((err: unknown) => {
      options.signal?.throwIfAborted();
      throw err;
    });
  }
  const lastError = last === undefined ? '' : ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})`;
  const more = options.describe ? `\n${safely(options.describe)}` : '';
  throw new Error(`timed out after ${timeoutMs} ms (${calls} checks) waiting for ${what}${lastError}${more}`, { cause: last });
}

function safely(describe: () => string): string {
  try {
    return describe();
  } catch (err) {
    return `(describing the failure failed: ${(err as Error).message})`;
  }
}
