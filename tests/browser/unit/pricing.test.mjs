// Unit tests of web/src/pricing.ts: the server's lookup rule (exact name,
// then without a provider/ prefix, then the longest known name the model
// extends with "-"), unknown models, and the cost of one call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { importTs, webDir } from './load-ts.mjs';

const { findPrice, costOf, roundUsd } = await importTs('src/pricing.ts');
// The built-in table the server compiles in.
const builtIn = JSON.parse(fs.readFileSync(path.join(webDir, '..', 'data', 'model-prices.json'), 'utf8')).models;

const P = (i, o, as_of = '2026-01-01') => ({ input_per_million: i, output_per_million: o, as_of });
const table = {
  'gpt-4o': P(2.5, 10),
  'gpt-4o-mini': P(0.15, 0.6),
  'gpt-4o-2024-05-13': P(5, 15),
  'my-model': P(1, 2),
};

test('exact name first', () => {
  assert.equal(findPrice(table, 'gpt-4o'), table['gpt-4o']);
  assert.equal(findPrice(table, 'gpt-4o-2024-05-13'), table['gpt-4o-2024-05-13'], 'a snapshot the table names keeps its own price');
});

test('without the provider/ prefix', () => {
  assert.equal(findPrice(table, 'openai/gpt-4o-mini'), table['gpt-4o-mini']);
  assert.equal(findPrice({ 'openai/gpt-4o': P(9, 9), ...table }, 'openai/gpt-4o').input_per_million, 9, 'an exact entry with the prefix wins');
});

test('a dated snapshot: the longest known name it extends with "-"', () => {
  assert.equal(findPrice(table, 'gpt-4o-mini-2024-07-18'), table['gpt-4o-mini'], 'not gpt-4o');
  assert.equal(findPrice(table, 'gpt-4o-2024-08-06'), table['gpt-4o']);
  assert.equal(findPrice(table, 'openai/gpt-4o-mini-2024-07-18'), table['gpt-4o-mini'], 'prefix and snapshot');
  assert.equal(findPrice(table, 'my-model-v2'), table['my-model']);
});

test('unknown models have no price: never a guess', () => {
  assert.equal(findPrice(table, 'my-finetune-7b'), null);
  assert.equal(findPrice(table, 'gpt-4'), null, 'a shorter name is not a snapshot of a longer one');
  assert.equal(findPrice(table, 'gpt-4omini'), null, 'only "-" separates a snapshot');
  assert.equal(findPrice(table, '-gpt-4o'), null);
  assert.equal(findPrice(table, ''), null);
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty-1']) assert.equal(findPrice(table, name), null, `${name} is not a price`);
});

test('a model removed by FLOCK_PRICES_FILE (null) has no price, nor do its snapshots: the search stops there', () => {
  const withRemoved = { ...table, 'gpt-4o-mini': null };
  assert.equal(findPrice(withRemoved, 'gpt-4o-mini'), null);
  assert.equal(findPrice(withRemoved, 'gpt-4o-mini-2024-07-18'), null, 'not priced as gpt-4o');
  assert.equal(findPrice(withRemoved, 'openai/gpt-4o-mini'), null);
  assert.ok(findPrice(withRemoved, 'gpt-4o-2024-08-06'), 'other models keep theirs');
});

test('the built-in table: the models the docs name', () => {
  assert.equal(findPrice(builtIn, 'gpt-4o-mini-2024-07-18').input_per_million, builtIn['gpt-4o-mini'].input_per_million);
  assert.equal(findPrice(builtIn, 'openai/gpt-4o-mini'), builtIn['gpt-4o-mini']);
  assert.equal(findPrice(builtIn, 'gpt-4o-2024-08-06'), builtIn['gpt-4o']);
  assert.equal(findPrice(builtIn, 'my-finetune-7b'), null);
});

test('cost of a call, rounded to a millionth of a dollar as the server does', () => {
  assert.equal(costOf(P(0.15, 0.6), 1000, 200), roundUsd((1000 * 0.15 + 200 * 0.6) / 1e6));
  assert.equal(costOf(P(0.15, 0.6), 1000, 200), 0.00027);
  assert.equal(costOf(P(2.5, 10), 1, 0), 0.000003, '0.0000025 rounds up');
  assert.equal(costOf(null, 10, 5), null, 'no price: unknown');
  assert.equal(costOf(null, 0, 0), 0, 'nothing used costs nothing');
});
