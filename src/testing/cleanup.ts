// The kit's clean-ups of one test run last-registered first, as Go's t.Cleanup does: the operator stops and
// the namespace goes before the cluster they need is closed or stopped. node:test runs a context's `after`
// hooks in the order they were registered, so the kit registers one hook per scope and keeps its own stack.

/**
 * What the kit's helpers register their clean-up with: node:test's `TestContext` (`t`), or anything with an
 * `after(fn)` that runs `fn` when the work it stands for ends. The kit's clean-ups of one scope run in the
 * reverse order of registration (the cluster last), all of them even when one fails.
 *
 * @noExample Pass node:test's `t`, as {@link testCluster}'s example does.
 */
export interface TestScope {
  /** Run `fn` when the scope ends; a rejection of `fn` fails the scope. What it returns is ignored. */
  after(fn: () => Promise<void>): unknown;
}

const stacks = new WeakMap<TestScope, Array<() => Promise<void>>>();

/** Run `cleanup` when `t` ends, before the clean-ups registered earlier on the same scope. */
export function cleanUpAfter(t: TestScope, cleanup: () => Promise<void>): void {
  let stack = stacks.get(t);
  if (!stack) {
    const created: Array<() => Promise<void>> = [];
    stacks.set(t, created);
    t.after(async () => {
      stacks.delete(t);
      const errors: unknown[] = [];
      for (const fn of created.reverse()) await fn().catch((err: unknown) => errors.push(err));
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1) throw new AggregateError(errors, `${errors.length} clean-ups failed`);
    });
    stack = created;
  }
  stack.push(cleanup);
}
