// The project's operator module (`capstan.operator` in package.json, src/operator.ts by default), as the CLI reads
// it: `capstan generate` for its declarations, `capstan run` for its webhooks and conversions.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ConversionDefinition, isConversionDefinition, type WebhookDefinition } from '../webhook/index.ts';
import { CliFailure, describeError } from './failure.ts';
import type { Project } from './project.ts';

/**
 * Import the project's operator module (`capstan.operator`, TypeScript run by Node's type stripping), with a
 * {@link CliFailure} that says what to fix when it cannot be.
 */
export async function importOperator(project: Project): Promise<Record<string, unknown>> {
  const path = join(project.root, project.operator);
  if (!existsSync(path))
    throw new CliFailure(
      `${path} does not exist: it is the module \`capstan generate\` reads the declarations from ("capstan.operator" in package.json)`,
    );
  if (path.endsWith('.ts') && !process.features.typescript) {
    throw new CliFailure(
      `importing ${project.operator} needs Node ≥ 22.18 (TypeScript type stripping); this is Node ${process.versions.node}`,
    );
  }
  try {
    return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new CliFailure(`importing ${project.operator} failed: ${describeError(err)}`);
  }
}

/** The module's `webhooks` export, checked; none when it has none. */
export function webhooksOf(module: Record<string, unknown>, project: Project): WebhookDefinition[] {
  const { webhooks } = module;
  if (webhooks === undefined) return [];
  if (!Array.isArray(webhooks) || !webhooks.every(isWebhookDefinition)) {
    throw new CliFailure(`${project.operator} exports \`webhooks\`, but not as an array of webhook(Kind)… definitions`);
  }
  return webhooks;
}

/** The module's `conversions` export (`conversion(Hub).spoke(…)`), checked; none when it has none. */
export function conversionsOf(module: Record<string, unknown>, project: Project): ConversionDefinition[] {
  const { conversions } = module;
  if (conversions === undefined) return [];
  if (!Array.isArray(conversions) || !conversions.every(isConversionDefinition)) {
    throw new CliFailure(
      `${project.operator} exports \`conversions\`, but not as an array of conversion(Hub).spoke(…) definitions (\`export const conversions = [widgetConversion];\`)`,
    );
  }
  return conversions;
}

function isWebhookDefinition(value: unknown): value is WebhookDefinition {
  const v = value as Partial<WebhookDefinition> | null;
  return typeof v === 'object' && v !== null && typeof v.kind === 'object' && typeof v.declaration === 'object' && 'validating' in v;
}
