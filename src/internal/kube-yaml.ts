import { isScalar, stringify, visit, parseDocument } from 'yaml';

/**
 * YAML as kubectl reads it back. kubectl (sigs.k8s.io/yaml over go-yaml v2) follows YAML 1.1, where `on`,
 * `off`, `yes`, `no`, `y`, `n`, `0b101` and `1_000` are booleans and numbers, and Go's integer parsing also
 * takes `0o17`; the `yaml` package's default 1.2 output leaves those strings plain. This writes YAML 1.1
 * quoting and quotes the `0o` forms too, so every string stays a string.
 */
export function kubeYaml(value: unknown): string {
  const document = parseDocument(stringify(value, { lineWidth: 0, version: '1.1' }), { version: '1.1' });
  visit(document, {
    Scalar(_, node) {
      if (isScalar(node) && typeof node.value === 'string' && /^[-+]?0[oO][0-7_]+$/.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return document.toString({ lineWidth: 0 });
}
