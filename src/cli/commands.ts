// The project commands' flags and help. Each action imports its implementation only when it runs, so
// `--help` and flag errors answer at once instead of after loading the client and the schema compiler.
// None of them prompts: every choice is a flag, so they behave the same in a terminal, a script or CI.
import { Command } from 'commander';
import { controlPlaneCommand } from './control-plane-command.ts';
import { capstanPackage } from './node-version.ts';

/** The whole `capstan` command tree; `main.ts` parses the process's arguments with it. */
export function capstanProgram(): Command {
  const program = new Command('capstan')
    .description('Kubernetes operators in TypeScript')
    .version(capstanPackage().version, '-V, --version', 'print the version of capstan')
    // `--version` after a command name is that command's own flag (`create api --version v1alpha1`).
    .enablePositionalOptions();
  for (const command of [
    initCommand(),
    createCommand(),
    generateCommand(),
    installCommand(),
    uninstallCommand(),
    runCommand(),
    migrateStorageCommand(),
    controlPlaneCommand(),
  ]) {
    program.addCommand(command);
  }
  program
    .command('assets')
    .description('build (or find) etcd, kube-apiserver, kube-controller-manager and kubectl, and print their paths')
    .action(async () => {
      const { ensureAssets } = await import('../testing/index.ts');
      process.stdout.write(`${JSON.stringify(await ensureAssets(), null, 2)}\n`);
    });
  // Commands built apart and added do not inherit the program's settings.
  eachCommand(program, (command, path) => command.showHelpAfterError(`(run \`${path} --help\` for usage)`));
  return program;
}

/** Call `visit` on `command` and every command below it, with its full name (`capstan create api`). */
export function eachCommand(command: Command, visit: (command: Command, path: string) => void, path = command.name()): void {
  visit(command, path);
  for (const sub of command.commands) eachCommand(sub, visit, `${path} ${sub.name()}`);
}

const kubeconfigHelp = 'the kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)';

export function initCommand(): Command {
  return new Command('init')
    .description(
      'scaffold an operator project in the current directory: package.json, src/main.ts, src/operator.ts, config/, a Dockerfile, a README and a test',
    )
    .requiredOption('--domain <domain>', 'the domain of the API groups (`--group apps` becomes apps.<domain>), e.g. example.com')
    .option('--name <name>', 'the project and operator name (a DNS label); default: the directory name')
    .addHelpText('after', '\nExample:\n  mkdir hello-world-operator && cd hello-world-operator\n  capstan init --domain example.com')
    .action(async (opts: { domain: string; name?: string }) => (await import('./scaffold.ts')).init(process.cwd(), opts));
}

export function createCommand(): Command {
  const create = new Command('create').description('add to the project');
  create
    .command('api')
    .description('add a custom resource and its controller: src/api/<kind>.ts, src/controllers/<kind>.ts, a sample and a test')
    .requiredOption('--group <group>', 'the API group, without the domain (e.g. apps)')
    .requiredOption('--version <version>', 'the API version (e.g. v1alpha1)')
    .requiredOption('--kind <Kind>', 'the kind, in CamelCase (e.g. HelloWorld)')
    .addHelpText('after', '\nExample:\n  capstan create api --group apps --version v1alpha1 --kind HelloWorld')
    .action(async (opts: { group: string; version: string; kind: string }) =>
      (await import('./scaffold.ts')).createApi(process.cwd(), opts),
    );
  create
    .command('webhook')
    .description(
      'add webhooks for a kind of the project: admission handlers in src/webhooks/<kind>.ts and their test, or a new version and its conversion',
    )
    .requiredOption('--kind <Kind>', 'the kind, as `create api` made it (src/api/<kind>.ts)')
    .option('--defaulting', 'a mutating handler that fills fields left out')
    .option('--validating', 'a validating handler that refuses bad objects with a message for the user')
    .option('--conversion', 'a new version of the kind (--version), served beside the existing one, and the conversion between them')
    .option('--version <version>', 'with --conversion: the version to add (e.g. v1)')
    .addHelpText(
      'after',
      '\nExamples:\n  capstan create webhook --kind HelloWorld --defaulting --validating\n  capstan create webhook --kind HelloWorld --conversion --version v1',
    )
    .action(async (opts: { kind: string; defaulting?: boolean; validating?: boolean; conversion?: boolean; version?: string }) =>
      (await import('./scaffold.ts')).createWebhook(process.cwd(), opts),
    );
  return create;
}

export function generateCommand(): Command {
  return new Command('generate')
    .description(
      'import the operator module (src/operator.ts) and write config/crd, config/rbac, config/manager, config/webhook (when it exports webhooks), config/default and config/kustomization.yaml (the whole operator), config/metrics and config/prometheus from its declarations, and once the overlays config/overlays/dev and config/overlays/production',
    )
    .option(
      '--helm',
      'also write chart/, a Helm chart of the same objects (image, replicas, resources, namespaces, leader election, webhooks, metrics and CRDs as values)',
    )
    .addHelpText(
      'after',
      '\nFiles whose content would not change are left alone: running it twice changes nothing.\n' +
        'Once chart/ holds a generated chart, every run keeps it current, --helm or not.',
    )
    .action(async (opts: { helm?: boolean }) => (await import('./scaffold.ts')).generateProject(process.cwd(), opts));
}

export function installCommand(): Command {
  return new Command('install')
    .description('apply the CRDs of config/crd to the cluster of the current kubeconfig context and wait until they are served')
    .option('--kubeconfig <path>', kubeconfigHelp)
    .option('--timeout <seconds>', 'how long to wait for the kinds to be served', '60')
    .addHelpText('after', '\nconfig/crd is what `capstan generate` wrote: run it first after changing a schema.')
    .action(async (opts: { kubeconfig?: string; timeout: string }) => (await import('./install.ts')).install(process.cwd(), opts));
}

export function uninstallCommand(): Command {
  return new Command('uninstall')
    .description(
      'delete the CRDs of config/crd from the cluster of the current kubeconfig context (every object of their kinds goes with them) and wait until they are gone',
    )
    .option('--kubeconfig <path>', kubeconfigHelp)
    .option('--timeout <seconds>', 'how long to wait for them to be gone', '120')
    .action(async (opts: { kubeconfig?: string; timeout: string }) => (await import('./install.ts')).uninstall(process.cwd(), opts));
}

export function runCommand(): Command {
  return new Command('run')
    .description("run the project's operator (src/main.ts) on this machine against the current kubeconfig context, with readable logs")
    .option('-w, --watch', 'restart it when a file under src/ changes, regenerating config/ and reinstalling the CRDs when they change')
    .option('--kubeconfig <path>', kubeconfigHelp)
    .option('--namespace <namespace>', 'reconcile only this namespace (passed to the operator)')
    .option('--json', 'print the JSON log lines as they are')
    .argument('[operatorArgs...]', 'more arguments for the operator, after --')
    .addHelpText(
      'after',
      '\nStop it with Ctrl-C: the operator gets one SIGTERM and shuts down gracefully.\n\n' +
        'Admission webhooks (the `webhooks` export of src/operator.ts) are served on 127.0.0.1 with a certificate made for the\n' +
        'run and registered by url (for --namespace only, when given) until it ends; only with an API server on this machine.\n\n' +
        'Example:\n  capstan run --watch -- --health-port=0',
    )
    .action(async (operatorArgs: string[], opts: { watch?: boolean; kubeconfig?: string; namespace?: string; json?: boolean }) =>
      (await import('./operator-runner.ts')).run(process.cwd(), opts, operatorArgs),
    );
}

export function migrateStorageCommand(): Command {
  return new Command('migrate-storage')
    .description(
      "rewrite every stored object of a CRD in its storage version, then drop the older versions from the CRD's status.storedVersions",
    )
    .argument('<crd>', 'the CRD, by name: <plural>.<group> (e.g. helloworlds.apps.example.com)')
    .option('--kubeconfig <path>', kubeconfigHelp)
    .option('--context <name>', "the kubeconfig context to use (default: the file's current context)")
    .option('--dry-run', 'send every rewrite as a server-side dry run (rights and admission are checked) and change nothing')
    .option('--page-size <n>', 'objects per list request', '500')
    .addHelpText(
      'after',
      '\nRun it after changing which version of a CRD stores (spec.versions[].storage), once the API servers use the new one,\n' +
        'and before removing an old version from spec.versions: the API server refuses to remove a version that\n' +
        'status.storedVersions still lists. Each object is written back unchanged; the API server stores it again,\n' +
        'encoded in the storage version. An object changed meanwhile is read again and retried; one deleted meanwhile is\n' +
        'skipped. storedVersions is trimmed only when every object was rewritten; otherwise the command exits with 1.\n\n' +
        'Example:\n  capstan migrate-storage helloworlds.apps.example.com --dry-run\n  capstan migrate-storage helloworlds.apps.example.com',
    )
    .action(async (crd: string, opts: { kubeconfig?: string; context?: string; dryRun?: boolean; pageSize: string }) =>
      (await import('./migrate-storage.ts')).migrateStorage(crd, opts),
    );
}
