import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Hold an exclusive lock between processes on one machine while `fn` runs. The lock is a directory
 * (`mkdir` is atomic) holding the owner's PID; a lock whose owner is gone is taken over, so a build killed
 * half-way never blocks the next one.
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: { signal?: AbortSignal; onWait?: (ownerPid: number) => void } = {},
): Promise<T> {
  let announced = false;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      await mkdir(lockPath);
      await writeFile(`${lockPath}/pid`, String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(await readFile(`${lockPath}/pid`, 'utf8').catch(() => ''));
    if (owner > 0 && !isAlive(owner)) {
      await rm(lockPath, { recursive: true, force: true });
      continue;
    }
    if (!announced && owner > 0) {
      options.onWait?.(owner);
      announced = true;
    }
    await sleep(500, undefined, { signal: options.signal }).catch((err: unknown) => {
      options.signal?.throwIfAborted(); // the caller's reason (e.g. a TimeoutError), not a generic AbortError
      throw err;
    });
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
