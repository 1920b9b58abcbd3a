import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { kubeYaml } from './kube-yaml.ts';

test('strings that YAML 1.1 or Go would read as booleans or numbers are quoted; everything round-trips', () => {
  const awkward = [
    'on',
    'off',
    'yes',
    'no',
    'y',
    'n',
    'Y',
    'NO',
    '0b101',
    '1_000',
    '0o17',
    '-0o7',
    '017',
    '0x1F',
    '~',
    'null',
    '1e3',
    '.inf',
    '12:30',
    'true',
    'plain',
  ];
  const text = kubeYaml({ enum: awkward, n: 3, b: true });
  for (const value of awkward.filter((v) => v !== 'plain'))
    assert.match(text, new RegExp(`- ["']${value.replace(/[.+]/g, '\\$&')}["']$`, 'm'), `${value} is quoted`);
  assert.match(text, /- plain$/m);
  assert.match(text, /^"n": 3$/m, 'a key that YAML 1.1 reads as a boolean is quoted too');
  assert.match(text, /^b: true$/m);
  assert.deepEqual(parse(text, { version: '1.1' }), { enum: awkward, n: 3, b: true });
  assert.deepEqual(parse(text), { enum: awkward, n: 3, b: true });
});
