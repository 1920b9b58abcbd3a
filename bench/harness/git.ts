import { execFileSync } from 'node:child_process';

const repoRoot = new URL('../..', import.meta.url).pathname;

/** A git command's output in the repository, or undefined where git or the repository is missing. */
export function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}

/** Which code ran: the commit, and whether the work tree had changes the commit does not hold. */
export function workTree(): { commit: string; dirty: boolean } {
  return { commit: git(['rev-parse', 'HEAD']) ?? 'unknown commit', dirty: (git(['status', '--porcelain']) ?? '') !== '' };
}
