// Everything the operator is made of: its custom resources, controllers and webhooks. `capstan generate`
// imports this module to write config/ from these declarations, so importing it must start nothing.
// `capstan create api` and `capstan create webhook` add to the lists at the capstan:scaffold markers.
import type { AnyControllerDefinition, CustomResource } from 'capstan';
import type { ConversionDefinition, WebhookDefinition } from 'capstan/webhook';
import { CronJob } from './api/cron-job.ts';
import { cronJobController } from './controllers/cron-job.ts';
import { cronJobWebhooks } from './webhooks/cron-job.ts';
import { CronJobV2 } from './api/cron-job-v2.ts';
import { cronJobConversion } from './webhooks/cron-job-conversion.ts';
// capstan:scaffold:imports

export const customResources: CustomResource[] = [
  CronJob,
  CronJobV2,
  // capstan:scaffold:custom-resources
];

// Controllers of any kinds; the manager runs each one with its own kind's types.
export const controllers: AnyControllerDefinition[] = [
  cronJobController(),
  // capstan:scaffold:controllers
];

// Admission webhooks (defaulting, validating), served by every replica (main.ts adds them to the manager).
export const webhooks: WebhookDefinition[] = [
  cronJobWebhooks,
  // capstan:scaffold:webhooks
];

// Conversions between the versions of a kind, served by every replica; their CRDs call them.
export const conversions: ConversionDefinition[] = [
  cronJobConversion,
  // capstan:scaffold:conversions
];
