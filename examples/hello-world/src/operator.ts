// Everything the operator is made of: its custom resources and its controllers. `capstan generate`
// imports this module to write config/crd and config/rbac from these declarations, so importing it must
// start nothing. `capstan create api` adds to the lists at the capstan:scaffold markers.
import type { ControllerDefinition } from 'capstan/controller';
import type { CustomResource } from 'capstan/crd';
import { HelloWorld } from './api/hello-world.ts';
import { helloWorldController } from './controllers/hello-world.ts';
// capstan:scaffold:imports

export const customResources: CustomResource[] = [
  HelloWorld,
  // capstan:scaffold:custom-resources
];

// Controllers of different kinds share no element type narrower than ControllerDefinition<any>; the
// manager runs each one with its own kind's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const controllers: ControllerDefinition<any>[] = [
  helloWorldController,
  // capstan:scaffold:controllers
];
