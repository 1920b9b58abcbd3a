// The example's own unit tests (schedule math, v1 ↔ v2 conversion with properties, webhooks), which need no
// cluster: imported here so that the repository's test run covers them (examples/*/test is not in its globs).
import '../../examples/cronjob/test/schedule.test.ts';
import '../../examples/cronjob/test/conversion.test.ts';
import '../../examples/cronjob/test/webhooks.test.ts';
