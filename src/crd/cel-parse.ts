// A small parser for the CEL expressions of x-kubernetes-validations, enough to follow which fields a
// rule reads and which lists, maps and strings it walks (cel-cost.ts). It accepts the CEL grammar
// (literals, selection, indexing, calls, macros, operators, list and map literals); an expression it
// cannot parse is left to the API server rather than refused.

/** A CEL expression tree. Operators are calls named as in CEL's own AST (`_&&_`, `_==_`, `!_`). */
export type CelExpr =
  | { kind: 'literal'; type: 'string' | 'bytes' | 'int' | 'uint' | 'double' | 'bool' | 'null'; size: number; text: string }
  | { kind: 'ident'; name: string }
  | { kind: 'select'; operand: CelExpr; field: string }
  | { kind: 'call'; fn: string; target?: CelExpr; args: CelExpr[] }
  | { kind: 'list'; items: CelExpr[] }
  | { kind: 'map'; entries: Array<[CelExpr, CelExpr]> };

type Token = { kind: 'ident' | 'number' | 'string' | 'op'; text: string; size?: number; literal?: 'string' | 'bytes' };

const operators = [
  '&&',
  '||',
  '==',
  '!=',
  '<=',
  '>=',
  '.?',
  '<',
  '>',
  '!',
  '+',
  '-',
  '*',
  '/',
  '%',
  '?',
  ':',
  '.',
  ',',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
];
const stringStart = /^([rRbB]{0,2})('''|"""|'|")/;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    const space = /^(?:\s+|\/\/[^\n]*)/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const str = stringStart.exec(rest);
    if (str && (str[1] === '' || /^[rRbB]/.test(rest))) {
      const prefix = str[1] ?? '';
      const quote = str[2] ?? '"';
      const raw = /r/i.test(prefix);
      let j = str[0].length;
      let size = 0;
      while (j < rest.length && !rest.startsWith(quote, j)) {
        j += !raw && rest[j] === '\\' ? 2 : 1;
        size++;
      }
      if (j >= rest.length) throw new SyntaxError('unterminated string');
      tokens.push({ kind: 'string', text: rest.slice(0, j + quote.length), size, literal: /b/i.test(prefix) ? 'bytes' : 'string' });
      i += j + quote.length;
      continue;
    }
    const number = /^(?:0[xX][0-9a-fA-F]+[uU]?|\d+\.\d*(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\.\d+(?:[eE][+-]?\d+)?|\d+[uU]?)/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', text: number[0] });
      i += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0] });
      i += ident[0].length;
      continue;
    }
    const op = operators.find((o) => rest.startsWith(o));
    if (!op) throw new SyntaxError(`unexpected character ${JSON.stringify(rest[0])}`);
    tokens.push({ kind: 'op', text: op });
    i += op.length;
  }
  return tokens;
}

const binary: ReadonlyArray<readonly string[]> = [['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>=', 'in'], ['+', '-'], ['*', '/', '%']];

/** Parse a CEL expression; throws SyntaxError when it is not one (or uses syntax this parser lacks). */
export function parseCel(source: string): CelExpr {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isOp = (text: string): boolean => {
    const t = peek();
    return t !== undefined && (t.kind === 'op' || t.kind === 'ident') && t.text === text;
  };
  const expect = (text: string): void => {
    if (!isOp(text)) throw new SyntaxError(`expected ${text} at token ${pos}`);
    pos++;
  };
  const list = (close: string): CelExpr[] => {
    const items: CelExpr[] = [];
    while (!isOp(close)) {
      items.push(expression());
      if (!isOp(close)) expect(',');
    }
    expect(close);
    return items;
  };

  function expression(): CelExpr {
    const condition = binaryLevel(0);
    if (!isOp('?')) return condition;
    pos++;
    const then = expression();
    expect(':');
    return { kind: 'call', fn: '_?_:_', args: [condition, then, expression()] };
  }

  function binaryLevel(level: number): CelExpr {
    const ops = binary[level];
    if (!ops) return unary();
    let left = binaryLevel(level + 1);
    for (let t = peek(); t && ops.includes(t.text) && (t.kind === 'op' || t.text === 'in'); t = peek()) {
      pos++;
      left = { kind: 'call', fn: `_${t.text}_`, args: [left, binaryLevel(level + 1)] };
    }
    return left;
  }

  function unary(): CelExpr {
    if (isOp('!') || isOp('-')) {
      const op = tokens[pos++]?.text ?? '!';
      return { kind: 'call', fn: `${op}_`, args: [unary()] };
    }
    return member(primary());
  }

  function member(start: CelExpr): CelExpr {
    let expr = start;
    for (;;) {
      if (isOp('.') || isOp('.?')) {
        pos++;
        const name = tokens[pos++];
        if (name?.kind !== 'ident') throw new SyntaxError('expected a field name after .');
        if (isOp('(')) {
          pos++;
          expr = { kind: 'call', fn: name.text, target: expr, args: list(')') };
        } else expr = { kind: 'select', operand: expr, field: name.text };
      } else if (isOp('[')) {
        pos++;
        if (isOp('?')) pos++;
        const index = expression();
        expect(']');
        expr = { kind: 'call', fn: '_[_]', args: [expr, index] };
      } else return expr;
    }
  }

  function primary(): CelExpr {
    const t = tokens[pos++];
    if (!t) throw new SyntaxError('unexpected end of expression');
    if (t.kind === 'number') {
      const type = /^0[xX]|^\d+$/.test(t.text) ? 'int' : /[uU]$/.test(t.text) ? 'uint' : 'double';
      return { kind: 'literal', type, size: 1, text: t.text };
    }
    if (t.kind === 'string') return { kind: 'literal', type: t.literal ?? 'string', size: t.size ?? 0, text: t.text };
    if (t.kind === 'ident') {
      if (t.text === 'true' || t.text === 'false') return { kind: 'literal', type: 'bool', size: 1, text: t.text };
      if (t.text === 'null') return { kind: 'literal', type: 'null', size: 1, text: t.text };
      if (isOp('(')) {
        pos++;
        return { kind: 'call', fn: t.text, args: list(')') };
      }
      return { kind: 'ident', name: t.text };
    }
    if (t.text === '(') {
      const inner = expression();
      expect(')');
      return inner;
    }
    if (t.text === '[') return { kind: 'list', items: list(']') };
    if (t.text === '{') {
      const entries: Array<[CelExpr, CelExpr]> = [];
      while (!isOp('}')) {
        const key = expression();
        expect(':');
        entries.push([key, expression()]);
        if (!isOp('}')) expect(',');
      }
      expect('}');
      return { kind: 'map', entries };
    }
    if (t.text === '.') return primary();
    throw new SyntaxError(`unexpected ${t.text}`);
  }

  const result = expression();
  if (pos !== tokens.length) throw new SyntaxError(`unexpected ${tokens[pos]?.text ?? 'input'} after the expression`);
  return result;
}
