import { fakeApiServerContract, contractKinds } from './contract.ts';
import { fakeApiServer } from './fake-api-server.ts';

fakeApiServerContract('the fake API server keeps the API server contract', async () => {
  const server = fakeApiServer({ kinds: Object.values(contractKinds) });
  return { client: server.client(), namespace: 'contract', compact: () => server.compact(), cleanup: async () => server.close() };
});
