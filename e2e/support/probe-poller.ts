// A probe polled every `everyMs` with each answer kept (time, code, verbose body): what a kubelet would have seen.
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProbeAnswer {
  /** `Date.now()` when the request was sent. */
  at: number;
  /** The HTTP status; 0 when there was no answer within 2 s. */
  code: number;
  body: string;
}

export interface ProbePoller {
  readonly answers: readonly ProbeAnswer[];
  /** Stop polling; every answer so far. */
  stop(): Promise<ProbeAnswer[]>;
}

export function pollProbeVerbose(port: number, path: '/healthz' | '/readyz', everyMs = 100): ProbePoller {
  const answers: ProbeAnswer[] = [];
  const stopped = new AbortController();
  const loop = (async () => {
    while (!stopped.signal.aborted) {
      const at = Date.now();
      answers.push(
        await fetch(`http://127.0.0.1:${port}${path}?verbose`, { signal: AbortSignal.timeout(2_000) }).then(
          async (r) => ({ at, code: r.status, body: await r.text() }),
          () => ({ at, code: 0, body: 'no answer' }),
        ),
      );
      await sleep(Math.max(0, everyMs - (Date.now() - at)));
    }
  })();
  return {
    answers,
    stop: async () => {
      stopped.abort();
      await loop;
      return answers;
    },
  };
}
