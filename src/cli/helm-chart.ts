// `capstan generate --helm`: chart/, a Helm chart of the operator. Its templates are not written by hand: the
// objects come from operatorManifests (the code that makes config/) called with placeholder values, and the YAML
// of those objects becomes template text by replacing each placeholder with its expression, wrapping the parts a
// value turns off in `{{- if }}` and the per-namespace RBAC in a `{{- range }}`. So a change of src/manifests
// reaches config/ and the chart alike, and with its default values the chart renders what config/default holds
// (but for `app.kubernetes.io/managed-by`, the added `helm.sh/chart` label and the CRDs' keep annotation).
import { kubeYaml } from '../internal/kube-yaml.ts';
import { type Manifest, watchedNamespaces } from '../manifests/index.ts';
import { configLabels, generatedHeader, imageEntry, type OperatorDeclarations, operatorManifests, rbacFiles } from './generate.ts';
import type { Project } from './project.ts';
import type { Deployment } from '../kinds/apps/v1.ts';

/** A project as the chart needs it: the settings, and the package.json version that versions the chart. */
export type ChartProject = Pick<Project, 'name' | 'namespace' | 'image' | 'watchNamespace' | 'operator'> & {
  /** The package.json `version`: the chart's `version` and `appVersion` (0.1.0 when absent). */
  version?: string;
};

/**
 * Values no real manifest holds, each standing for one template expression. Plain lower-case words, so that YAML
 * writes them unquoted and the expression can take their place in the text.
 */
const placeholder = {
  namespace: 'capstan-placeholder-namespace',
  watched: 'capstan-placeholder-watched',
  managedBy: 'capstan-placeholder-managed-by',
  chart: 'capstan-placeholder-chart',
  image: 'capstan-placeholder-image',
  resources: 'capstan-placeholder-resources',
  replicas: 987_654_321,
} as const;

/** A YAML comment at the top of the generated files that allow one; the chart's README in effect. */
const installNote = (name: string) =>
  `# Install it with \`helm install ${name} chart --namespace <namespace> --create-namespace\`: the chart does not create the\n` +
  '# namespace, and every namespaced object goes to the release namespace.\n';

/**
 * Every file of `chart/`, by path relative to the project root: `Chart.yaml`, `values.yaml` (each value
 * commented), `values.schema.json` (what `helm install` and `helm lint` check the values against),
 * `.helmignore`, and under `templates/` the helpers, `crds.yaml`, `rbac.yaml`, `manager.yaml`, `webhook.yaml`
 * (when the module has admission webhooks or conversions), `metrics.yaml` and `NOTES.txt`. With its default
 * values the chart renders the objects of config/default, named the same (no release-name prefix: the operator
 * finds its Lease and webhook configurations by those names).
 *
 * @noExample The CLI's, not an entry point of the package: `capstan generate --helm` calls it, and
 * `src/cli/helm-chart.test.ts` shows its output.
 */
export function helmChartFiles(project: ChartProject, declarations: OperatorDeclarations): Map<string, string> {
  const name = project.name;
  const header = generatedHeader(project);
  const labels = { ...configLabels(project), 'app.kubernetes.io/managed-by': placeholder.managedBy, 'helm.sh/chart': placeholder.chart };
  const values = { namespace: placeholder.namespace, image: placeholder.image, labels };
  // Rendered twice: for the whole cluster, and for a placeholder namespace that a `range` over watchNamespaces repeats.
  const cluster = operatorManifests(project, declarations, { ...values, watched: undefined });
  const namespaced = operatorManifests(project, declarations, { ...values, watched: [placeholder.watched] });
  const admission = cluster.webhookConfigurations.length > 0;
  // What `webhooks.enabled: false` turns off besides the webhook configurations: with conversions nothing (the API
  // server cannot serve a converted kind without them); else the whole serving part, the manager not serving at all.
  const converts = (declarations.conversions ?? []).length > 0;
  const serving = cluster.serves && !converts ? '.Values.webhooks.enabled' : undefined;
  const ifServing = (text: string) => (serving ? ifBlock(serving, text) : text);
  const template = (manifests: readonly object[], root: '.' | '$' = '.') =>
    manifests.map((m) => templateOf(kubeYaml(m), name, root)).join('---\n');

  const files = new Map<string, string>();
  const version = project.version ?? '0.1.0';
  files.set(
    'chart/Chart.yaml',
    header +
      installNote(name) +
      kubeYaml({
        apiVersion: 'v2',
        name,
        description: `The ${name} operator, made by \`capstan generate --helm\` from ${project.operator}.`,
        type: 'application',
        version,
        appVersion: version,
      }),
  );
  files.set('chart/values.yaml', header + installNote(name) + valuesYaml(project, cluster.deployment, admission, converts));
  files.set('chart/values.schema.json', `${JSON.stringify(valuesSchema(project, admission), null, 2)}\n`);
  files.set(
    'chart/.helmignore',
    `${header}# What \`helm package\` leaves out of the chart archive.\n.DS_Store\n.git/\n*.swp\n*.bak\n*.tmp\n*.orig\n*~\n.idea/\n.vscode/\n`,
  );
  files.set('chart/templates/_helpers.tpl', tplHeader(header) + helpers(name));

  // The CRDs are templates, not the chart's crds/ folder, which Helm installs once and never upgrades.
  const crds = cluster.crds.map((crd) => {
    // `helm uninstall` would delete the CRDs, and with them every object of their kinds: users' data.
    const text = kubeYaml({ ...crd, metadata: { ...crd.metadata, annotations: { 'helm.sh/resource-policy': 'keep' } } });
    return wrapLines(templateOf(text, name), (line) => line === '  annotations:', '.Values.crds.keep', true);
  });
  files.set('chart/templates/crds.yaml', header + ifBlock('.Values.crds.install', crds.join('---\n')));

  const parts = rbacFiles(name);
  const pick = (manifests: readonly Manifest[], file: string) => {
    const belongs = parts.find(([f]) => f === file)![1];
    return manifests.filter(belongs);
  };
  const rbac = [
    template(pick(cluster.rbac, 'service_account')),
    // The controllers' rights: a Role and RoleBinding in each watched namespace, else a ClusterRole and binding.
    `{{- if .Values.watchNamespaces }}\n{{- range .Values.watchNamespaces }}\n---\n` +
      template([...pick(namespaced.rbac, 'role'), ...pick(namespaced.rbac, 'role_binding')], '$') +
      '{{- end }}\n{{- else }}\n---\n' +
      template([...pick(cluster.rbac, 'role'), ...pick(cluster.rbac, 'role_binding')]) +
      '{{- end }}\n',
    ifBlock(
      '.Values.leaderElection.enabled',
      `---\n${template([...pick(cluster.rbac, 'leader_election_role'), ...pick(cluster.rbac, 'leader_election_role_binding')])}`,
    ),
    `---\n${template(['metrics_auth_role', 'metrics_auth_role_binding', 'metrics_reader_role'].flatMap((f) => pick(cluster.rbac, f)))}`,
    ...(cluster.serves ? [ifServing(`---\n${template(cluster.certificates)}`)] : []),
  ];
  files.set('chart/templates/rbac.yaml', header + rbac.join(''));

  files.set(
    'chart/templates/manager.yaml',
    header +
      '{{- if and (gt (int .Values.replicas) 1) (not .Values.leaderElection.enabled) }}\n' +
      '{{- fail "replicas > 1 needs leaderElection.enabled: without leader election every replica would reconcile at once" }}\n' +
      '{{- end }}\n' +
      deploymentTemplate(name, template([withPlaceholders(namespaced.deployment)]), serving),
  );

  if (cluster.serves) {
    const configurations = namespaced.webhookConfigurations.map((c) => namespaceSelectorTemplate(template([c])));
    const service = template([cluster.webhookService]);
    const webhooks = admission ? `---\n${configurations.join('---\n')}` : '';
    files.set(
      'chart/templates/webhook.yaml',
      header + (serving ? ifServing(service + webhooks) : service + (admission ? ifBlock('.Values.webhooks.enabled', webhooks) : '')),
    );
  }

  files.set(
    'chart/templates/metrics.yaml',
    header +
      // The ServiceMonitor scrapes the metrics Service, so enabling it brings the Service too.
      ifBlock('or .Values.metrics.service.enabled .Values.metrics.serviceMonitor.enabled', template([cluster.metricsService])) +
      ifBlock('.Values.metrics.serviceMonitor.enabled', `---\n${template([cluster.serviceMonitor])}`),
  );
  files.set('chart/templates/NOTES.txt', tplHeader(header) + notes(project));
  return files;
}

/** The generated header as a template comment, for the files whose text is not YAML (trimmed: renders nothing). */
function tplHeader(header: string): string {
  return `{{- /* ${header.replace(/^# /, '').trim()} */ -}}\n`;
}

/** `text` (ending in a newline) inside `{{- if condition }}`. */
function ifBlock(condition: string, text: string): string {
  return `{{- if ${condition} }}\n${text}{{- end }}\n`;
}

/**
 * The YAML of an object made with placeholders as template text: braces of the text itself escaped (a CRD's
 * description may hold `{{`), then each placeholder replaced by its expression. `root` is `$` inside a `range`,
 * where `.` is the namespace.
 */
function templateOf(yaml: string, name: string, root: '.' | '$' = '.'): string {
  const at = root === '$' ? '$' : '';
  return yaml
    .replaceAll('{{', '{{ "{{" }}')
    .replaceAll(placeholder.namespace, `{{ ${at}.Release.Namespace }}`)
    .replaceAll(placeholder.watched, '{{ . }}')
    .replaceAll(placeholder.managedBy, `{{ ${at}.Release.Service }}`)
    .replaceAll(placeholder.chart, `{{ include "${name}.chart" ${root} }}`);
}

/** The Deployment with the placeholders of the values' replicas and resources. */
function withPlaceholders(deployment: Deployment): object {
  const spec = deployment.spec!;
  const pod = spec.template.spec!;
  return {
    ...deployment,
    spec: {
      ...spec,
      replicas: placeholder.replicas,
      template: {
        ...spec.template,
        spec: { ...pod, containers: pod.containers.map((c) => (c.name === 'manager' ? { ...c, resources: placeholder.resources } : c)) },
      },
    },
  };
}

/**
 * The Deployment's template: the values' image, replicas and resources, `--leader-elect` and `--namespace` only
 * when enabled, and the webhook server's port and flags only under `serving` when given.
 */
function deploymentTemplate(name: string, text: string, serving: string | undefined): string {
  const lines = text.split('\n').flatMap((line) => {
    const indent = /^\s*/.exec(line)![0];
    if (line.trim() === `resources: ${placeholder.resources}`)
      return [`${indent}resources: {{- toYaml .Values.resources | nindent ${indent.length + 2} }}`];
    if (line.trim() === `image: ${placeholder.image}`)
      return [
        `${indent}image: {{ include "${name}.image" . | quote }}`,
        `${indent}{{- with .Values.image.pullPolicy }}`,
        `${indent}imagePullPolicy: {{ . }}`,
        `${indent}{{- end }}`,
      ];
    if (line.trim() === `replicas: ${placeholder.replicas}`) return [`${indent}replicas: {{ .Values.replicas }}`];
    if (line.trim() === '- --leader-elect') return [`${indent}{{- if .Values.leaderElection.enabled }}`, line, `${indent}{{- end }}`];
    if (line.trim() === '- --namespace={{ . }}')
      return [
        `${indent}{{- if .Values.watchNamespaces }}`,
        `${indent}- --namespace={{ join "," .Values.watchNamespaces }}`,
        `${indent}{{- end }}`,
      ];
    // The two flags of the manager's webhook certificates, one after the other: one block for both.
    if (serving && line.trim().startsWith('- --webhook-cert-secret=')) return [`${indent}{{- if ${serving} }}`, line];
    if (serving && line.trim().startsWith('- --webhook-service=')) return [line, `${indent}{{- end }}`];
    return [line];
  });
  const templated = lines.join('\n');
  return serving ? wrapLines(templated, (line) => line.trim() === '- name: webhook-server', serving, true) : templated;
}

/** The webhook configuration's `namespaceSelector` (made for the placeholder namespace) only with watchNamespaces, listing them. */
function namespaceSelectorTemplate(text: string): string {
  const listed = text
    .split('\n')
    .map((line) =>
      line.trim() === '- {{ . }}'
        ? `${/^\s*/.exec(line)![0]}{{- toYaml .Values.watchNamespaces | nindent ${/^\s*/.exec(line)![0].length} }}`
        : line,
    )
    .join('\n');
  return wrapLines(listed, (line) => line.trim() === 'namespaceSelector:', '.Values.watchNamespaces', true);
}

/**
 * Wrap in `{{- if condition }}` each line `matches`, and with `block` the more indented lines after it (its
 * value in YAML).
 */
function wrapLines(text: string, matches: (line: string) => boolean, condition: string, block: boolean): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!matches(line)) {
      out.push(line);
      continue;
    }
    const indent = /^\s*/.exec(line)![0];
    out.push(`${indent}{{- if ${condition} }}`, line);
    while (block && i + 1 < lines.length && /^\s*/.exec(lines[i + 1]!)![0].length > indent.length && lines[i + 1]!.trim() !== '')
      out.push(lines[++i]!);
    out.push(`${indent}{{- end }}`);
  }
  return out.join('\n');
}

/** The chart's default values: those that render config/default. */
function defaultValues(project: ChartProject, deployment: Deployment, admission: boolean): Record<string, unknown> {
  const image = imageEntry(project.image);
  const manager = deployment.spec!.template.spec!.containers.find((c) => c.name === 'manager')!;
  return {
    image: { repository: image.newName, tag: image.newTag ?? '', digest: image.digest ?? '', pullPolicy: '' },
    replicas: deployment.spec!.replicas,
    resources: manager.resources,
    watchNamespaces: watchedNamespaces(project.watchNamespace) ?? [],
    leaderElection: { enabled: true },
    ...(admission ? { webhooks: { enabled: true } } : {}),
    metrics: { service: { enabled: false }, serviceMonitor: { enabled: false } },
    crds: { install: true, keep: true },
  };
}

/** values.yaml: {@link defaultValues}, each with what it does. */
function valuesYaml(project: ChartProject, deployment: Deployment, admission: boolean, converts: boolean): string {
  const values = defaultValues(project, deployment, admission) as {
    image: Record<string, string>;
    replicas: number;
    resources: object;
    watchNamespaces: string[];
  };
  const scalar = (value: unknown) => kubeYaml(value).trimEnd();
  const block = (value: object, indent: string) =>
    kubeYaml(value)
      .trimEnd()
      .split('\n')
      .map((line) => `${indent}${line}`)
      .join('\n');
  const lines = [
    '# The values of the chart, checked against values.schema.json by helm install, upgrade, template and lint.',
    `# Objects keep the names config/ gives them (${project.name}, ${project.name}-leader-election, …), not prefixed by the`,
    '# release name: the operator finds its Lease and webhook configurations by those names. So one release per cluster.',
    '',
    "# The manager's image.",
    'image:',
    '  # The repository, without tag or digest.',
    `  repository: ${scalar(values.image['repository'])}`,
    "  # The tag; empty: none (the registry's latest).",
    `  tag: ${scalar(values.image['tag'])}`,
    '  # A digest (sha256:…) pins the image: when set, it is used instead of the tag.',
    `  digest: ${scalar(values.image['digest'])}`,
    "  # The container's imagePullPolicy (Always, IfNotPresent, Never); empty: Kubernetes' default, IfNotPresent (Always",
    '  # for an untagged or :latest image).',
    `  pullPolicy: ${scalar(values.image['pullPolicy'])}`,
    '',
    '# Manager Pods. Leader election keeps one active and the others warm, ready to take over; more than one needs it.',
    `replicas: ${values.replicas}`,
    '',
    "# The manager container's resources. No CPU limit by default, so that the manager is never throttled.",
    'resources:',
    block(values.resources, '  '),
    '',
    '# The namespaces the operator reconciles. Empty: every namespace, with a ClusterRole. Else a Role and RoleBinding',
    '# in each (which must exist), the manager started with --namespace=<them>, and the admission webhooks called for',
    '# objects in them only.',
    values.watchNamespaces.length > 0 ? `watchNamespaces:\n${block(values.watchNamespaces, '  ')}` : 'watchNamespaces: []',
    '',
    '# Leader election through a Lease in the release namespace (--leader-elect, and a Role on Leases). Disable it only',
    '# with replicas: 1 (or 0); the chart refuses more replicas without it.',
    'leaderElection:',
    '  enabled: true',
    ...(admission
      ? [
          '',
          '# The admission webhooks (their Validating/MutatingWebhookConfiguration). Disabled, objects are admitted without',
          ...(converts
            ? ["# them; the webhook Service and the manager's certificates stay: CRD conversions keep being served through them."]
            : ['# them, and the manager serves no webhook (no webhook Service, port or certificates).']),
          'webhooks:',
          '  enabled: true',
        ]
      : []),
    '',
    '# The metrics (served over HTTPS on port 8443, to callers allowed `get /metrics`).',
    'metrics:',
    '  # A Service in front of them (config/metrics).',
    '  service:',
    '    enabled: false',
    `  # A ServiceMonitor for the Prometheus Operator (config/prometheus); it needs the Service, so enables it too. Bind`,
    `  # the ${project.name}-metrics-reader ClusterRole to Prometheus's ServiceAccount.`,
    '  serviceMonitor:',
    '    enabled: false',
    '',
    "# The CustomResourceDefinitions of the operator's kinds.",
    'crds:',
    '  # Install and upgrade them with the chart. Disabled: install them apart (capstan install, or config/crd).',
    '  install: true',
    '  # Keep them on helm uninstall (helm.sh/resource-policy: keep): deleting a CRD deletes every object of its kind.',
    '  keep: true',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * values.schema.json: what each value may be, no value unknown (a misspelt one fails instead of being ignored).
 * JSON has no comments: the generated mark is its `$comment`, which JSON Schema ignores.
 */
function valuesSchema(project: ChartProject, admission: boolean): object {
  const enabled = (description: string) => ({
    type: 'object',
    additionalProperties: false,
    required: ['enabled'],
    properties: { enabled: { type: 'boolean', description } },
  });
  const quantity = { type: ['string', 'number'], description: 'A Kubernetes quantity, e.g. 50m or 256Mi.' };
  const quantities = { type: 'object', additionalProperties: quantity };
  return {
    $comment: generatedHeader(project).replace(/^# /, '').trim(),
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: `The values of the ${project.name} chart`,
    type: 'object',
    additionalProperties: false,
    required: [
      'image',
      'replicas',
      'resources',
      'watchNamespaces',
      'leaderElection',
      ...(admission ? ['webhooks'] : []),
      'metrics',
      'crds',
    ],
    properties: {
      image: {
        type: 'object',
        additionalProperties: false,
        required: ['repository'],
        properties: {
          repository: { type: 'string', minLength: 1, description: 'The repository, without tag or digest.' },
          tag: { type: 'string', pattern: '^([\\w][\\w.-]{0,127})?$', description: "The tag; empty: none (the registry's latest)." },
          digest: {
            type: 'string',
            pattern: '^([a-z0-9]+([+._-][a-z0-9]+)*:[0-9a-fA-F]{32,})?$',
            description: 'A digest, used instead of the tag.',
          },
          pullPolicy: { enum: ['', 'Always', 'IfNotPresent', 'Never'], description: "The imagePullPolicy; empty: Kubernetes' default." },
        },
      },
      replicas: { type: 'integer', minimum: 0, description: 'Manager Pods; more than one needs leaderElection.enabled.' },
      resources: {
        type: 'object',
        description: "The manager container's resources.",
        properties: { requests: quantities, limits: quantities },
      },
      watchNamespaces: {
        type: 'array',
        uniqueItems: true,
        items: { type: 'string', maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
        description: 'The namespaces the operator reconciles; empty: every namespace.',
      },
      leaderElection: enabled('Leader election through a Lease in the release namespace.'),
      ...(admission ? { webhooks: enabled('The admission webhook configurations (conversions are served either way).') } : {}),
      metrics: {
        type: 'object',
        additionalProperties: false,
        required: ['service', 'serviceMonitor'],
        properties: {
          service: enabled('A Service in front of the metrics.'),
          serviceMonitor: enabled('A ServiceMonitor for the Prometheus Operator (brings the Service too).'),
        },
      },
      crds: {
        type: 'object',
        additionalProperties: false,
        required: ['install', 'keep'],
        properties: {
          install: { type: 'boolean', description: 'Install and upgrade the CRDs with the chart.' },
          keep: { type: 'boolean', description: 'Keep the CRDs (and the objects of their kinds) on helm uninstall.' },
        },
      },
    },
  };
}

/** templates/_helpers.tpl: the chart label's value, the image reference and the labels, for templates you add too. */
function helpers(name: string): string {
  return `{{/* The helm.sh/chart label: <name>-<version>, + (not allowed in a label) as _. */}}
{{- define "${name}.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The manager's image: repository@digest, else repository:tag, else repository. */}}
{{- define "${name}.image" -}}
{{- if .Values.image.digest }}{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else if .Values.image.tag }}{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- else }}{{ .Values.image.repository }}{{ end }}
{{- end }}

{{/* The labels of the chart's objects (the CRDs aside), for templates you add beside the generated ones. */}}
{{- define "${name}.labels" -}}
${Object.keys(configLabels({ name }))
  .map((key) =>
    key === 'app.kubernetes.io/managed-by'
      ? `${key}: {{ .Release.Service }}`
      : `${key}: ${kubeYaml(configLabels({ name })[key]).trimEnd()}`,
  )
  .join('\n')}
helm.sh/chart: {{ include "${name}.chart" . }}
{{- end }}
`;
}

/** templates/NOTES.txt: what was installed and how to see it run. */
function notes(project: ChartProject): string {
  const name = project.name;
  return `${name} {{ .Chart.AppVersion }} is installed in the namespace {{ .Release.Namespace }}, reconciling
{{- if .Values.watchNamespaces }} the namespaces {{ join ", " .Values.watchNamespaces }}{{ else }} every namespace{{ end }}.

Watch it start, and read its logs:
  kubectl --namespace {{ .Release.Namespace }} rollout status deployment/${name}
  kubectl --namespace {{ .Release.Namespace }} logs deployment/${name} --follow
{{- if not .Values.crds.install }}

Its CRDs are not part of this release (crds.install: false): install them with \`capstan install\` or
\`kubectl apply -f config/crd\` before creating objects of its kinds.
{{- else if .Values.crds.keep }}

helm uninstall keeps its CRDs (crds.keep), and every object of their kinds: delete them yourself when you mean it.
{{- end }}
`;
}
