import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CelExpr, parseCel } from './cel-parse.ts';

/** A compact rendering of the tree, to compare shapes. */
function show(e: CelExpr): string {
  switch (e.kind) {
    case 'literal':
      return e.type === 'string' ? `'${e.size}'` : e.text;
    case 'ident':
      return e.name;
    case 'select':
      return `${show(e.operand)}.${e.field}`;
    case 'list':
      return `[${e.items.map(show).join(',')}]`;
    case 'map':
      return `{${e.entries.map(([k, v]) => `${show(k)}:${show(v)}`).join(',')}}`;
    case 'call':
      return `${e.target ? `${show(e.target)}.` : ''}${e.fn}(${e.args.map(show).join(',')})`;
  }
}

describe('parseCel', () => {
  test('operator precedence: || < && < relations < + < * < unary < member', () => {
    assert.equal(show(parseCel('a || b && c == d + e * -f.g')), '_||_(a,_&&_(b,_==_(c,_+_(d,_*_(e,-_(f.g))))))');
    assert.equal(show(parseCel('!(a < b) ? x : y ? 1 : 2')), '_?_:_(!_(_<_(a,b)),x,_?_:_(y,1,2))');
    assert.equal(show(parseCel("'a' in self.list")), "_in_('1',self.list)");
  });

  test('selection, indexing, method calls, macros and optional syntax', () => {
    assert.equal(show(parseCel("self.items.all(i, i.name.startsWith('x'))")), "self.items.all(i,i.name.startsWith('1'))");
    assert.equal(show(parseCel("self.m['k'][0].size()")), "_[_](_[_](self.m,'1'),0).size()");
    assert.equal(show(parseCel('has(self.a) && self.?b.orValue(1) > 0')), '_&&_(has(self.a),_>_(self.b.orValue(1),0))');
    assert.equal(show(parseCel('[1, 2].map(x, {"k": x})')), "[1,2].map(x,{'1':x})");
  });

  test('string literals: quotes, escapes, raw and triple-quoted, sized in characters', () => {
    const size = (src: string): number => {
      const e = parseCel(src);
      assert.equal(e.kind, 'literal');
      return e.kind === 'literal' ? e.size : -1;
    };
    assert.equal(size('"a string"'), 8);
    assert.equal(size("'it\\'s'"), 4);
    assert.equal(size("r'\\d+'"), 3);
    assert.equal(size("'''a'b'''"), 3);
    assert.equal(size('b"xy"'), 2);
  });

  test('numbers and keywords', () => {
    assert.deepEqual(parseCel('0x1F'), { kind: 'literal', type: 'int', size: 1, text: '0x1F' });
    assert.equal((parseCel('1.5e3') as { type: string }).type, 'double');
    assert.equal((parseCel('3u') as { type: string }).type, 'uint');
    assert.equal((parseCel('null') as { type: string }).type, 'null');
  });

  test('what is not an expression is a SyntaxError', () => {
    assert.throws(() => parseCel('self.'), SyntaxError);
    assert.throws(() => parseCel('(a'), SyntaxError);
    assert.throws(() => parseCel("'open"), SyntaxError);
    assert.throws(() => parseCel('a b'), SyntaxError);
    assert.throws(() => parseCel('a # b'), SyntaxError);
  });
});
