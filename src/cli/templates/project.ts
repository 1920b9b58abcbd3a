// What `capstan init` writes, besides the generated config/: a project that installs, type-checks, runs
// and tests as it is. Templates are string builders so that they ship inside dist/ with the CLI.
import { operatorNodeFlags } from '../../internal/operator-process.ts';
import type { Project } from '../project.ts';

/** The versions a new project depends on: Capstan's own, and the ones it was built and tested with. */
export interface TemplateVersions {
  capstan: string;
  typebox: string;
  /** For `capstan run`'s readable logs: a development dependency, so it stays out of the image. */
  pinoPretty: string;
  typescript: string;
  typesNode: string;
}

/** Every file of a new project, by path relative to its root (config/ excepted: `generate` writes it). */
export function projectTemplates(project: Project, versions: TemplateVersions): Map<string, string> {
  return new Map([
    ['package.json', packageJson(project, versions)],
    ['tsconfig.json', tsconfig],
    ['tsconfig.build.json', tsconfigBuild],
    ['.gitignore', 'node_modules/\ndist/\n'],
    ['.dockerignore', 'node_modules/\ndist/\ntest/\n.git/\n'],
    ['Dockerfile', dockerfile(project)],
    ['README.md', readme(project)],
    [project.main, mainModule(project)],
    [project.operator, operatorModule],
    ['test/operator.test.ts', operatorTest(project)],
    ['config/crd/.gitkeep', ''],
    ['config/samples/.gitkeep', ''],
  ]);
}

function packageJson(project: Project, versions: TemplateVersions): string {
  const { root: _root, name, version: _version, ...settings } = project;
  return `${JSON.stringify(
    {
      name,
      version: '0.1.0',
      private: true,
      type: 'module',
      engines: { node: '>=22.18.0' },
      scripts: {
        start: `node ${operatorNodeFlags.join(' ')} ${project.main}`,
        build: 'tsc -p tsconfig.build.json',
        generate: 'capstan generate',
        typecheck: 'tsc --noEmit',
        // One file at a time: every test file starts the operator, and its replicas would share one Lease.
        test: "node --test --test-concurrency=1 'test/**/*.test.ts'",
      },
      capstan: settings,
      dependencies: { capstan: `^${versions.capstan}`, typebox: versions.typebox },
      devDependencies: { '@types/node': versions.typesNode, 'pino-pretty': versions.pinoPretty, typescript: versions.typescript },
    },
    null,
    2,
  )}\n`;
}

const tsconfig = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'es2024',
      lib: ['es2024'],
      module: 'nodenext',
      moduleResolution: 'nodenext',
      types: ['node'],
      strict: true,
      noUncheckedIndexedAccess: true,
      verbatimModuleSyntax: true,
      erasableSyntaxOnly: true,
      allowImportingTsExtensions: true,
      rewriteRelativeImportExtensions: true,
      skipLibCheck: true,
      noEmit: true,
    },
    include: ['src', 'test'],
  },
  null,
  2,
)}\n`;

// Emits JavaScript for the image: `npm run build` writes dist/ from src/ (relative `.ts` imports become `.js`).
const tsconfigBuild = `${JSON.stringify(
  { extends: './tsconfig.json', compilerOptions: { noEmit: false, rootDir: 'src', outDir: 'dist' }, include: ['src'] },
  null,
  2,
)}\n`;

/** The compiled entry module the image runs: `src/main.ts` → `dist/main.js`. */
function compiledMain(main: string): string {
  return main.replace(/^(\.\/)?src\//, 'dist/').replace(/\.ts$/, '.js');
}

function dockerfile(project: Project): string {
  const entrypoint = ['/nodejs/bin/node', ...operatorNodeFlags, compiledMain(project.main)];
  return `# The operator image. The image runs the compiled JavaScript (\`npm run build\`), not the TypeScript sources
# that \`npm start\` and \`capstan run\` run: stripping types costs memory when node starts (Capstan's
# docs/operating.md has the figures and how to measure them). The user matches runAsUser: 65532 in
# config/manager/deployment.yaml.
# The two V8 flags (the same \`npm start\`, \`capstan run\` and the test kit pass) trade a little CPU for
# memory, as GOGC does for a Go operator: a young generation of 1 MiB semi-spaces (the default grows to tens of
# MiB under a burst of watch events, and keeps them), and an old generation that grows by 20 % between full
# collections.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts
COPY src ./src
RUN npm run build

FROM node:24-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts

FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
USER 65532
ENTRYPOINT ${JSON.stringify(entrypoint).replaceAll(',', ', ')}
`;
}

function mainModule(project: Project): string {
  return `// The operator's entry point: \`npm start\`, \`capstan run\` and the container image all start this file.
// In a cluster, config/manager/deployment.yaml passes --leader-elect and sets POD_NAMESPACE.
// Flags: --namespace, --leader-elect, --leader-election-namespace, --health-port, --metrics-port, --metrics-insecure,
// --log-level, --watch-inactivity-timeout, --watch-resume-bound, --webhook-port, --webhook-cert-dir, --webhook-cert-secret (see managerFlagsHelp).
import { Manager, ManagerFlagError, managerOptionsFromFlags } from 'capstan';
import { controllers, conversions, webhooks } from './operator.ts';

let manager: Manager;
try {
  manager = new Manager(managerOptionsFromFlags({ leaseName: '${project.name}' }));
} catch (err) {
  if (!(err instanceof ManagerFlagError)) throw err;
  process.stderr.write(\`\${err.message}\\n\`);
  process.exit(2);
}
for (const definition of controllers) manager.add(definition);
// Served by every replica, over HTTPS on --webhook-port, once they have a certificate.
for (const definition of [...webhooks, ...conversions]) manager.add(definition);
await manager.run();
`;
}

const operatorModule = `// Everything the operator is made of: its custom resources, controllers and webhooks. \`capstan generate\`
// imports this module to write config/ from these declarations, so importing it must start nothing.
// \`capstan create api\` and \`capstan create webhook\` add to the lists at the capstan:scaffold markers.
import type { AnyControllerDefinition, CustomResource } from 'capstan';
import type { ConversionDefinition, WebhookDefinition } from 'capstan/webhook';
// capstan:scaffold:imports

export const customResources: CustomResource[] = [
  // capstan:scaffold:custom-resources
];

// Controllers of any kinds; the manager runs each one with its own kind's types.
export const controllers: AnyControllerDefinition[] = [
  // capstan:scaffold:controllers
];

// Admission webhooks (defaulting, validating), served by every replica (main.ts adds them to the manager).
export const webhooks: WebhookDefinition[] = [
  // capstan:scaffold:webhooks
];

// Conversions between the versions of a kind, served by every replica; their CRDs call them.
export const conversions: ConversionDefinition[] = [
  // capstan:scaffold:conversions
];
`;

function operatorTest(project: Project): string {
  return `// The operator as it runs in a cluster, on a local control plane (or the one \`capstan control-plane up\`
// runs): config/ applied, and src/main.ts started as its own process with a token of its ServiceAccount,
// which only the generated roles bind. A permission the code needs but does not declare fails here, not in
// production.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startOperator, testCluster } from 'capstan/testing';

test('${project.name} starts under the generated RBAC, becomes ready and is refused nothing', { timeout: 300_000 }, async (t) => {
  const cluster = await testCluster(t);
  const operator = await startOperator({ cluster, applyConfig: true, t });
  assert.deepEqual(await operator.forbiddenRequests(), []);
});
`;
}

function readme(project: Project): string {
  return `# ${project.name}

A Kubernetes operator written with [Capstan](https://www.npmjs.com/package/capstan). Node ≥ 22.18 runs its
TypeScript sources directly.

\`\`\`sh
npm install
npx capstan create api --group <group> --version v1alpha1 --kind <Kind>   # a custom resource and its controller
npx capstan create webhook --kind <Kind> --defaulting --validating      # admission webhooks for it, and their test
npx capstan generate      # config/ from the code (and, once, the overlays in config/overlays)
npx capstan install       # the CRDs, on the cluster of the current kubeconfig context
npx capstan run --watch   # the operator on your machine, restarted when src/ changes
kubectl apply -f config/samples/
npm test                  # the operator on a local control plane, under its generated RBAC
\`\`\`

- \`src/api/\` declares the custom resources (one typebox schema gives the CRD and the TypeScript types).
- \`src/controllers/\` reconciles them, \`src/webhooks/\` admits (and converts) them; \`${project.operator}\` lists them
  all, and \`${project.main}\` runs them.
- \`config/\` is generated: edit the code and run \`capstan generate\`, not the YAML. \`config/samples/\` is yours.
- \`npm test\` runs the operator with \`capstan/testing\` on the cluster \`CAPSTAN_TEST_CLUSTER\` describes, else on
  the control plane \`npx capstan control-plane up\` runs (start it once, and every run reuses it), else on a
  new local control plane (etcd, kube-apiserver and kube-controller-manager, built once and cached).

## Deploy

\`\`\`sh
docker build -t ${project.image} .
kubectl apply -k config   # namespace ${project.namespace}, CRDs, RBAC and the Deployment
\`\`\`
`;
}
