// Reconciles HelloWorlds: called with the key of a HelloWorld whenever it or its ConfigMap changes, and again
// after a restart. It reads the HelloWorld from the cache, makes the ConfigMap of the same name carry
// spec.name as data.message, and reports in the status; running it twice in a row changes nothing the
// second time, so a restart on a converged cluster writes nothing.
import { type ApiError, ConfigMap, controller, done, isRefusal, type OwnerReference, requeueAfter, TemporaryError } from 'capstan';
import { HelloWorld } from '../api/hello-world.ts';

/** The `app.kubernetes.io/managed-by` label of every ConfigMap the operator writes; its ConfigMap cache holds only those. */
export const managedBy = 'hello-world-operator';

/**
 * How soon a HelloWorld whose ConfigMap name is taken looks again. Nothing announces that the other
 * ConfigMap is gone (it is not ours, so it is not in our cache), so the collision is polled; it is never
 * terminal.
 */
export const collisionRetryMs = 20_000;

export const helloWorldController = controller(HelloWorld)
  .named('helloworld')
  .owns(ConfigMap, { labelSelector: `app.kubernetes.io/managed-by=${managedBy}` })
  .maxConcurrentReconciles(4)
  .reconcile(async (ctx) => {
    const helloWorld = ctx.object;
    // Gone, or going: the garbage collector deletes the ConfigMap through its ownerReference.
    if (!helloWorld || helloWorld.metadata.deletionTimestamp) return done();
    const { name } = helloWorld.spec;
    const configMap = `ConfigMap ${ctx.name}`;

    let outcome;
    try {
      // Server-side apply: these fields are all the operator wants of the ConfigMap. A key a user adds is theirs
      // and survives; nothing is sent while the ConfigMap already carries exactly these.
      outcome = await ctx.apply(ConfigMap, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: ctx.name, namespace: ctx.namespace, labels: { 'app.kubernetes.io/managed-by': managedBy } },
        data: { message: name },
      });
    } catch (err) {
      // Only a refusal of this ConfigMap (invalid, forbidden, too large, …) is reported in the status, with
      // the API server's reason (`Invalid`, `Forbidden`). A 409 or 404 means our view was stale (changed or
      // deleted meanwhile) and the retry reads the newer one; a 429 or 5xx, or no answer at all, is the API
      // server's trouble, not the object's. Either way the retry comes with backoff: a refusal may end without
      // the HelloWorld changing (an RBAC rule granted, a quota raised).
      if (!isRefusal(err)) throw err;
      const why = describeRefusal(err, name);
      if (
        await ctx.applyStatus([{ type: 'Ready', status: 'False', reason: err.reason, message: `could not write ${configMap}: ${why}` }])
      ) {
        ctx.log.warn({ httpStatus: err.httpStatus, reason: err.reason }, `could not write ${configMap}; retrying with backoff`);
      }
      ctx.recordEvent('Warning', err.reason, truncate(`Could not write ${configMap}: ${why}`, 1000));
      throw new TemporaryError(`could not write ${configMap}: ${err.httpStatus} ${err.reason}`, { cause: err });
    }

    if (outcome.operation === 'collision') {
      const message = `${configMap} exists and is not controlled by this HelloWorld (${controllerOf(outcome.controller)}); it is left as it is`;
      if (await ctx.applyStatus([{ type: 'Ready', status: 'False', reason: 'ConfigMapExists', message }])) ctx.log.warn({}, message);
      ctx.recordEvent(
        'Warning',
        'ConfigMapExists',
        `${configMap} exists and is not ours (${controllerOf(outcome.controller)}); not overwriting it`,
      );
      return requeueAfter(collisionRetryMs);
    }
    if (outcome.operation === 'created') {
      ctx.recordEvent('Normal', 'Created', `Created ${configMap}`);
      ctx.log.info({}, `created ${configMap}`);
    }
    if (outcome.operation === 'updated') {
      ctx.recordEvent('Normal', 'Updated', `Updated ${outcome.changed.join(', ')} of ${configMap}`);
      ctx.log.info({ changed: outcome.changed }, `updated ${configMap}`);
    }
    await ctx.applyStatus([
      {
        type: 'Ready',
        status: 'True',
        reason: 'Reconciled',
        message: `${configMap} carries spec.name (${[...name].length} characters) as data.message`,
      },
    ]);
    return done();
  });

function controllerOf(ref: OwnerReference | undefined): string {
  return ref ? `its controller is ${ref.kind} ${ref.name}` : 'it has no controller';
}

/**
 * What the API server said, for the status and the event: its message, unless that quotes spec.name, which
 * may be long enough to overflow a condition message or an event note; then only the code and reason.
 */
function describeRefusal(err: ApiError, name: string): string {
  const message = err.status.message;
  if (!message || message.includes(name)) return `${err.httpStatus} ${err.reason}`;
  return truncate(message, 512);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
