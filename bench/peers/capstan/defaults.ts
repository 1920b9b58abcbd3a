// The bench's capstan@defaults peer: examples/hello-world's operator at Capstan's shipped defaults. It is the
// example's own entry point (examples/hello-world/src/main.ts) with one change: each controller runs with
// the workers a builder gives when `.maxConcurrentReconciles()` is never called (the example asks for 4).
// The default is read from the builder itself, not written here, so this peer follows Capstan's default if
// it changes. Run from the example's folder with the same node flags as the capstan peer (bench/README.md).
// BENCH_CAPSTAN_DEFAULT_WORKERS=<n> stands in for the builder's default: how a default is chosen by measurement
// (docs/controllers.md, Tuning).
import { type AnyControllerDefinition, controller, done, Manager, ManagerFlagError, managerOptionsFromFlags } from 'capstan';
import { controllers } from '../../../examples/hello-world/src/operator.ts';

const candidate = process.env['BENCH_CAPSTAN_DEFAULT_WORKERS'];
if (candidate !== undefined && !/^[1-9]\d*$/.test(candidate)) {
  process.stderr.write(`BENCH_CAPSTAN_DEFAULT_WORKERS must be a positive integer, not ${JSON.stringify(candidate)}\n`);
  process.exit(2);
}

/** The definition as it would be had its builder been left at the default concurrency (or at the candidate's). */
function atDefaultConcurrency(definition: AnyControllerDefinition): AnyControllerDefinition {
  const untouched = controller(definition.kind).reconcile(() => Promise.resolve(done()));
  return { ...definition, maxConcurrentReconciles: candidate ? Number(candidate) : untouched.maxConcurrentReconciles };
}

let manager: Manager;
try {
  manager = new Manager(managerOptionsFromFlags({ leaseName: 'hello-world-operator' }));
} catch (err) {
  if (!(err instanceof ManagerFlagError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}
for (const definition of controllers) {
  const atDefaults = atDefaultConcurrency(definition);
  process.stderr.write(
    `capstan@defaults: controller ${definition.declaration.name} with ${atDefaults.maxConcurrentReconciles} worker(s) (the example asks for ${definition.maxConcurrentReconciles})\n`,
  );
  manager.add(atDefaults);
}
await manager.run();
