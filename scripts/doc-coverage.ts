// Doc coverage of the public API, read from TypeDoc's converted project: every exported symbol of every entry
// point has a summary, and an `@example` or a stated reason for having none (`@noExample <reason>`, on the
// symbol, or once on a module whose declarations are generated data shapes, e.g. the built-in kinds).
import { Comment, type CommentDisplayPart, type DeclarationReflection, type ProjectReflection, ReflectionKind } from 'typedoc';

/** One exported symbol that misses part of its documentation. */
export interface DocGap {
  /** The entry point, as TypeDoc names its module (`capstan/client`, …). */
  module: string;
  name: string;
  /** The source file that declares it, relative to the repository. */
  file: string;
  missing: Array<'summary' | 'example'>;
}

/** The tag that states why a symbol has no example; its text is the reason and must not be empty. */
export const noExampleTag = '@noExample';

/** The documentation gaps of every module's exported symbols, in the modules' order, then by name. */
export function docGaps(project: ProjectReflection): DocGap[] {
  const modules = project.kindOf(ReflectionKind.Module) ? [project] : (project.children ?? []);
  const gaps: DocGap[] = [];
  for (const module of modules) {
    const moduleReason = hasText(module.comment?.getTag(noExampleTag)?.content);
    for (const symbol of module.children ?? []) {
      // A name exported by two entry points is documented where it is declared; the other is a reference.
      if (symbol.kindOf(ReflectionKind.Reference)) continue;
      const comments = commentsOf(symbol);
      const missing: DocGap['missing'] = [];
      if (!comments.some((c) => hasText(c.summary) || hasText(c.getTag('@summary')?.content))) missing.push('summary');
      const example = comments.some(
        (c) => c.getTags('@example').some((t) => hasText(t.content)) || hasText(c.getTag(noExampleTag)?.content),
      );
      if (!example && !moduleReason) missing.push('example');
      const file = project.getSymbolIdFromReflection(symbol)?.packagePath ?? 'unknown file';
      if (missing.length > 0) gaps.push({ module: module.name, name: symbol.name, file, missing });
    }
  }
  return gaps;
}

/** Where TypeDoc keeps a symbol's comment: on the declaration, or on its signatures (functions, accessors). */
function commentsOf(symbol: DeclarationReflection): Comment[] {
  const signatures = [...(symbol.signatures ?? []), symbol.getSignature, symbol.setSignature];
  return [symbol.comment, ...signatures.map((s) => s?.comment)].filter((c): c is Comment => c !== undefined);
}

function hasText(parts: readonly CommentDisplayPart[] | undefined): boolean {
  return parts !== undefined && Comment.combineDisplayParts(parts).trim() !== '';
}

/** The gaps as lines for a terminal, grouped by the source file that declares them. */
export function describeGaps(gaps: readonly DocGap[]): string {
  const byFile = new Map<string, DocGap[]>();
  for (const gap of gaps) byFile.set(gap.file, [...(byFile.get(gap.file) ?? []), gap]);
  return [...byFile]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([file, list]) =>
        `${file} (${list.length}):\n${list.map((g) => `  ${g.name} (${g.module}): no ${g.missing.join(', no ')}`).join('\n')}`,
    )
    .join('\n');
}
