export {
  type FakeApiServer,
  fakeApiServer,
  type FakeApiServerOptions,
  type FakeClientOptions,
} from './fake-api-server.ts';
