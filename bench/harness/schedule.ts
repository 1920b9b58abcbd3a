// The order of the measured runs: interleaved across peers, rotating, so that no peer always runs first (on
// a control plane whose etcd has grown least) or last, and a slow stretch of the machine falls on several
// peers rather than on all the runs of one.

/**
 * The peers in the order of run `run` (1-based): run 1 as given, each later run rotated one further
 * (A B C D; B C D A; C D A B; …).
 *
 * @example
 * ```ts
 * runOrder(['a', 'b', 'c'], 2); // ['b', 'c', 'a']
 * ```
 */
export function runOrder<T>(peers: readonly T[], run: number): T[] {
  if (peers.length === 0) return [];
  const shift = (((run - 1) % peers.length) + peers.length) % peers.length;
  return [...peers.slice(shift), ...peers.slice(0, shift)];
}
