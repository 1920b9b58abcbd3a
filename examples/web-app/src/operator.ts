// Everything the operator is made of: its custom resources and its controllers. `capstan generate`
// imports this module to write config/crd and config/rbac from these declarations, so importing it must
// start nothing. `capstan create api` adds to the lists at the capstan:scaffold markers.
import type { AnyControllerDefinition, CustomResource } from 'capstan';
import type { WebhookDefinition } from 'capstan/webhook';
import { WebApp } from './api/web-app.ts';
import { webAppController } from './controllers/web-app.ts';
import { webAppWebhooks } from './webhooks/web-app.ts';
// capstan:scaffold:imports

export const customResources: CustomResource[] = [
  WebApp,
  // capstan:scaffold:custom-resources
];

// Controllers of any kinds; the manager runs each one with its own kind's types.
export const controllers: AnyControllerDefinition[] = [
  webAppController,
  // capstan:scaffold:controllers
];

// Admission webhooks, served by every replica (main.ts adds them to the manager).
export const webhooks: WebhookDefinition[] = [webAppWebhooks];
