// Printer columns (`kubectl get`) and the scale subresource name fields by JSONPath. The API server
// accepts any path and shows an empty column when it names nothing, so a typo goes unnoticed: the
// converter resolves each path under .spec and .status against the schema instead.
import { CrdError } from './errors.ts';
import { isRecord, type StructuralSchema } from './structural-schema.ts';

/**
 * One column of `kubectl get` (an `additionalPrinterColumns` entry).
 *
 * @example
 * ```ts
 * import type { PrinterColumn } from 'capstan/crd';
 * const ready: PrinterColumn = { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' };
 * const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
 * ```
 */
export interface PrinterColumn {
  /** The column header (`Ready`); unique among the kind's columns. */
  name: string;
  /** How `kubectl` formats the value; `date` shows an age (`5m`). */
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** A JSONPath into the object, such as `.spec.name`. */
  jsonPath: string;
  /** What the column shows, for humans reading the CRD. */
  description?: string;
  /** An OpenAPI format refining `type`, for the clients that use it. */
  format?: 'int32' | 'int64' | 'float' | 'double' | 'byte' | 'date' | 'date-time' | 'password';
  /** 0 shows in the default view; higher shows only with `-o wide`. */
  priority?: number;
}

/**
 * The scale subresource: where the desired and current replica counts live, for `kubectl scale` and
 * autoscalers.
 *
 * @example
 * ```ts
 * import type { ScaleSubresource } from 'capstan/crd';
 * const scale: ScaleSubresource = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' };
 * ```
 */
export interface ScaleSubresource {
  /** The desired replicas: a JSONPath under `.spec` naming an integer field (`.spec.replicas`). */
  specReplicasPath: string;
  /** The observed replicas: a JSONPath under `.status` naming an integer field (`.status.replicas`). */
  statusReplicasPath: string;
  /** The Pods' label selector as a string (`.status.selector`), which the HorizontalPodAutoscaler needs. */
  labelSelectorPath?: string;
}

const columnTypes: ReadonlySet<unknown> = new Set(['string', 'integer', 'number', 'boolean', 'date']);
const step = /^(?:\.([A-Za-z0-9_-]+)|\['([^']+)'\]|\["([^"]+)"\]|\[(\*|-?\d+|\?\(.*?\)|\d*:\d*)\])/;

/** The schema node a JSONPath names under `root`; `undefined` when it names no field. */
export function resolveJsonPath(root: StructuralSchema, jsonPath: string): StructuralSchema | undefined {
  let node: StructuralSchema | undefined = root;
  let rest = jsonPath;
  while (rest !== '' && node) {
    const match = step.exec(rest);
    if (!match) return undefined;
    rest = rest.slice(match[0].length);
    if (node['x-kubernetes-preserve-unknown-fields'] || node['x-kubernetes-int-or-string']) return node;
    const name = match[1] ?? match[2] ?? match[3];
    if (name !== undefined) node = node.properties?.[name] ?? (isRecord(node.additionalProperties) ? node.additionalProperties : undefined);
    else node = node.items;
  }
  return rest === '' ? node : undefined;
}

function checkPath(root: StructuralSchema, jsonPath: unknown, field: string): string {
  if (typeof jsonPath !== 'string' || !jsonPath.startsWith('.'))
    throw new CrdError('PRINTER_COLUMN', field, `${JSON.stringify(jsonPath)} is not a JSONPath starting with "."`);
  if (/^\.(spec|status)\b/.test(jsonPath) && !resolveJsonPath(root, jsonPath)) {
    throw new CrdError('PRINTER_COLUMN', field, `${jsonPath} names no field of the schema`);
  }
  return jsonPath;
}

/** Check printer columns against the object's root schema. */
export function checkPrinterColumns(columns: readonly PrinterColumn[], root: StructuralSchema): PrinterColumn[] {
  const names = new Set<string>();
  return columns.map((column, i) => {
    const field = `printerColumns[${i}]`;
    if (!isRecord(column) || typeof column.name !== 'string' || column.name === '')
      throw new CrdError('PRINTER_COLUMN', field, 'a column needs a name');
    if (names.has(column.name)) throw new CrdError('PRINTER_COLUMN', field, `the column name ${column.name} is used twice`);
    names.add(column.name);
    if (!columnTypes.has(column.type))
      throw new CrdError('PRINTER_COLUMN', field, `type ${JSON.stringify(column.type)} is not one of ${[...columnTypes].join(', ')}`);
    if (column.priority !== undefined && !(Number.isInteger(column.priority) && column.priority >= 0))
      throw new CrdError('PRINTER_COLUMN', field, 'priority must be a non-negative integer');
    const out: PrinterColumn = { name: column.name, type: column.type, jsonPath: checkPath(root, column.jsonPath, `${field}.jsonPath`) };
    if (column.description !== undefined) out.description = column.description;
    if (column.format !== undefined) out.format = column.format;
    if (column.priority !== undefined) out.priority = column.priority;
    return out;
  });
}

/** Check the scale subresource's paths: replicas under .spec and .status, each an integer field. */
export function checkScale(scale: ScaleSubresource, root: StructuralSchema): ScaleSubresource {
  const replicas = (path: unknown, under: 'spec' | 'status', field: string): string => {
    if (typeof path !== 'string' || !path.startsWith(`.${under}.`))
      throw new CrdError('DECLARATION', field, `must be a JSONPath under .${under} (such as .${under}.replicas)`);
    const node = resolveJsonPath(root, path);
    if (!node) throw new CrdError('DECLARATION', field, `${path} names no field of the schema`);
    if (node.type !== 'integer') throw new CrdError('DECLARATION', field, `${path} must be an integer field`);
    return path;
  };
  const out: ScaleSubresource = {
    specReplicasPath: replicas(scale.specReplicasPath, 'spec', 'scale.specReplicasPath'),
    statusReplicasPath: replicas(scale.statusReplicasPath, 'status', 'scale.statusReplicasPath'),
  };
  if (scale.labelSelectorPath !== undefined) out.labelSelectorPath = checkPath(root, scale.labelSelectorPath, 'scale.labelSelectorPath');
  return out;
}
