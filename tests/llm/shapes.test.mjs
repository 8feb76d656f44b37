// What the model is asked for and what its answer becomes: fan-out (a list
// of items, one artifact each), several output types (an object with one
// member per type, one artifact each), and the conversation context (earlier
// artifacts of the same correlation id) a later agent sees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, startFake, allSpans, attr, named, callSpans, userPayload, artifactsOf, PIZZA } from './helpers.mjs';

const P2 = { name: 'Funghi', toppings: ['mushroom'], size_cm: 26, crust: 'thick' };
const P3 = { name: 'Diavola', toppings: ['salami', 'chili'], size_cm: 30, crust: null };
const DRINK = { name: 'Lemonade', alcoholic: false };

const strictPizza = (s) => {
  assert.equal(s.type, 'object');
  assert.equal(s.additionalProperties, false);
  assert.deepEqual([...s.required].sort(), ['crust', 'name', 'size_cm', 'toppings']);
};

test('fan-out: the schema asks for {"items": [Pizza...]}; one artifact per item', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: { items: [PIZZA, P2, P3] } }]);
  const r = await run(t, fake, 'fanout');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const js = fake.requests[0].body.response_format.json_schema;
  assert.equal(js.strict, true);
  assert.match(js.name, /^Pizza/);
  assert.match(js.name, /^[A-Za-z0-9_-]{1,64}$/);
  const s = js.schema;
  assert.equal(s.type, 'object');
  assert.equal(s.additionalProperties, false);
  assert.deepEqual(s.required, ['items']);
  assert.equal(s.properties.items.type, 'array');
  strictPizza(s.properties.items.items);

  assert.deepEqual(artifactsOf(r.summary, 'Pizza').map((a) => a.payload), [PIZZA, P2, P3]);
  for (const a of artifactsOf(r.summary, 'Pizza')) assert.equal(a.produced_by, 'pizza_master');
  const spans = await allSpans(r.db);
  assert.equal(callSpans(spans).length, 1, 'one call for the whole list');
  const [exec] = named(spans, 'Agent.execute');
  assert.equal(attr(exec.attributes, 'output.count'), 3);
});

test('fan-out: an item that does not fit is named and the model asked again', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: { items: [PIZZA, { name: 'Broken' }] } }, { content: [PIZZA] }, { content: { items: [P2] } }]);
  const r = await run(t, fake, 'fanout');
  assert.equal(fake.requests.length, 3);
  assert.match(fake.requests[1].body.messages.at(-1).content, /items\[1\]/, 'the failing index is named');
  assert.match(fake.requests[2].body.messages.at(-1).content, /object|items/, 'a bare list is refused: {"items": [...]} is required');
  assert.deepEqual(artifactsOf(r.summary, 'Pizza').map((a) => a.payload), [P2], 'nothing of the refused answers is published');
});

test('fan-out: an empty list publishes nothing and is not an error', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: { items: [] } }]);
  const r = await run(t, fake, 'fanout');
  assert.equal(fake.requests.length, 1);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(artifactsOf(r.summary, 'Pizza').length, 0);
});

test('two output types: the schema is {Pizza: {...}, Drink: {...}}; one artifact each', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: { Pizza: PIZZA, Drink: DRINK } }]);
  const r = await run(t, fake, 'two_types');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const js = fake.requests[0].body.response_format.json_schema;
  assert.equal(js.strict, true);
  assert.match(js.name, /Pizza/);
  assert.match(js.name, /Drink/);
  const s = js.schema;
  assert.equal(s.type, 'object');
  assert.equal(s.additionalProperties, false);
  assert.deepEqual([...s.required].sort(), ['Drink', 'Pizza']);
  strictPizza(s.properties.Pizza);
  assert.deepEqual({ ...s.properties.Drink, required: [...s.properties.Drink.required].sort() }, {
    title: 'Drink',
    type: 'object',
    properties: { name: { type: 'string' }, alcoholic: { type: 'boolean' } },
    required: ['alcoholic', 'name'],
    additionalProperties: false,
  });
  assert.deepEqual(artifactsOf(r.summary, 'Pizza').map((a) => a.payload), [PIZZA]);
  assert.deepEqual(artifactsOf(r.summary, 'Drink').map((a) => a.payload), [DRINK]);
  for (const a of r.summary.artifacts.filter((x) => x.type !== 'Idea')) assert.equal(a.produced_by, 'caterer');
});

test('two output types: an answer with none of them, or one that does not fit, is asked again', async (t) => {
  const fake = await startFake(t);
  fake.script([
    { content: { pizza: PIZZA } },
    { content: { Pizza: PIZZA, Drink: { name: 'Cola', alcoholic: 'no' } } },
    { content: { Pizza: PIZZA, Drink: DRINK } },
  ]);
  const r = await run(t, fake, 'two_types');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 3);
  assert.match(fake.requests[1].body.messages.at(-1).content, /none of the output types/);
  assert.match(fake.requests[2].body.messages.at(-1).content, /Drink/);
  assert.match(fake.requests[2].body.messages.at(-1).content, /alcoholic/);
  assert.equal(artifactsOf(r.summary, 'Drink').length, 1, 'only the accepted answer is published');
});

test('context: a later agent of the same correlation id sees the earlier artifacts (with their producer)', async (t) => {
  const fake = await startFake(t);
  const receipt = { summary: 'one Truffle Supreme', total: 14.5 };
  fake.script([{ content: PIZZA }, { content: receipt }]);
  const r = await run(t, fake, 'context', ['corr=corr-ctx-1']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 2);

  const chef = userPayload(fake.requests[0]);
  assert.deepEqual(chef.input, [{ type: 'Idea', payload: { description: 'something with truffles' } }]);
  assert.equal(chef.context, undefined, 'the first agent has nothing earlier to see');

  const waiter = userPayload(fake.requests[1]);
  assert.match(fake.requests[1].body.messages[0].content, /"waiter"/);
  assert.deepEqual(waiter.input, [{ type: 'Order', payload: { request: 'one truffle pizza to go' } }]);
  assert.ok(Array.isArray(waiter.context), `context present: ${JSON.stringify(waiter)}`);
  const byType = Object.fromEntries(waiter.context.map((c) => [c.type, c]));
  assert.deepEqual(Object.keys(byType).sort(), ['Idea', 'Pizza'], 'the input itself is not repeated in the context');
  assert.deepEqual(byType.Pizza, { type: 'Pizza', payload: PIZZA, produced_by: 'chef' });
  assert.deepEqual(byType.Idea, { type: 'Idea', payload: { description: 'something with truffles' }, produced_by: 'external' });
  assert.deepEqual(artifactsOf(r.summary, 'Receipt').map((a) => a.payload), [receipt]);

  const fetches = named(await allSpans(r.db), 'LLMEngine.fetch_conversation_context');
  assert.equal(fetches.length, 2);
  const counts = fetches.map((f) => attr(f.attributes, 'context.artifact_count')).sort();
  assert.deepEqual(counts, [0, 2]);
  for (const f of fetches) assert.equal(attr(f.attributes, 'correlation_id'), 'corr-ctx-1');
});

test('context: use_context=false sends none; max_context_artifacts keeps the latest', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA }, { auto: true }]);
  const off = await run(t, fake, 'context', ['use_context=false']);
  assert.equal(off.summary.ok, true, JSON.stringify(off.summary.errors));
  assert.equal(userPayload(fake.requests[1]).context, undefined);
  const fetches = named(await allSpans(off.db), 'LLMEngine.fetch_conversation_context');
  assert.deepEqual(fetches.map((f) => attr(f.attributes, 'context.artifact_count')), [0, 0]);

  const fake2 = await startFake(t);
  fake2.script([{ content: PIZZA }, { auto: true }]);
  const one = await run(t, fake2, 'context', ['max_context_artifacts=1']);
  assert.equal(one.summary.ok, true, JSON.stringify(one.summary.errors));
  const ctx = userPayload(fake2.requests[1]).context;
  assert.equal(ctx.length, 1);
  assert.equal(ctx[0].type, 'Pizza', 'the most recent earlier artifact is kept');
});

test('two output types with fan-out: {Pizza: [...], Drink: [...]}; one artifact per item', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: { Pizza: [PIZZA, P2], Drink: [DRINK] } }]);
  const r = await run(t, fake, 'two_types', ['fan_out=true']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const s = fake.requests[0].body.response_format.json_schema.schema;
  assert.equal(s.properties.Pizza.type, 'array');
  strictPizza(s.properties.Pizza.items);
  assert.equal(s.properties.Drink.type, 'array');
  assert.deepEqual(artifactsOf(r.summary, 'Pizza').map((a) => a.payload), [PIZZA, P2]);
  assert.deepEqual(artifactsOf(r.summary, 'Drink').map((a) => a.payload), [DRINK]);
});

test('a nested output type: the strict form reaches every nested object', async (t) => {
  const fake = await startFake(t);
  const meal = { pizza: PIZZA, drinks: [DRINK], review: null };
  fake.script([{ content: meal }]);
  const r = await run(t, fake, 'meal');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const js = fake.requests[0].body.response_format.json_schema;
  assert.equal(js.strict, true);
  const s = js.schema;
  assert.deepEqual([...s.required].sort(), ['drinks', 'pizza', 'review']);
  assert.equal(s.additionalProperties, false);
  strictPizza(s.properties.pizza);
  const drink = s.properties.drinks.items;
  assert.equal(drink.additionalProperties, false);
  assert.deepEqual([...drink.required].sort(), ['alcoholic', 'name']);
  const review = s.properties.review;
  assert.ok(Array.isArray(review.type) && review.type.includes('object') && review.type.includes('null'), `an optional nested object may be null: ${JSON.stringify(review)}`);
  assert.equal(review.additionalProperties, false);
  assert.deepEqual([...review.required].sort(), ['score', 'verdict']);
  // Strict mode does not know "nullable" anywhere in the tree.
  assert.ok(!JSON.stringify(s).includes('"nullable"'), JSON.stringify(s));
  assert.deepEqual(artifactsOf(r.summary, 'Meal').map((a) => a.payload), [meal], 'a null optional member is accepted');
});

test('an output with a map (no strict form): strict false, the answer still validated and published', async (t) => {
  const fake = await startFake(t);
  const prices = { prices: { truffle: 4.5, mozzarella: 1.25 }, note: null };
  fake.script([{ content: { prices: { truffle: 'expensive' } } }, { content: prices }]);
  const r = await run(t, fake, 'prices');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const js = fake.requests[0].body.response_format.json_schema;
  assert.equal(js.strict, false, 'a map cannot be expressed in strict mode');
  assert.equal(js.schema.properties.prices.type, 'object');
  assert.deepEqual(js.schema.properties.prices.additionalProperties, { type: 'number' });
  assert.equal(fake.requests.length, 2, 'a map value of the wrong type is refused');
  assert.match(fake.requests[1].body.messages.at(-1).content, /truffle/);
  assert.deepEqual(artifactsOf(r.summary, 'PriceList')[0].payload.prices, prices.prices);
});

test('context: earlier artifacts in the order they were published, the latest max_context_artifacts', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA }]);
  const r = await run(t, fake, 'single', ['crumbs=5', 'max_context_artifacts=3']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const ctx = userPayload(fake.requests[0]).context;
  assert.deepEqual(ctx.map((c) => [c.type, c.payload.n, c.produced_by]), [['Crumb', 2, 'external'], ['Crumb', 3, 'external'], ['Crumb', 4, 'external']]);
  const [f] = named(await allSpans(r.db), 'LLMEngine.fetch_conversation_context');
  assert.equal(attr(f.attributes, 'context.artifact_count'), 3);
});

test('context: with more than a thousand earlier artifacts, still the latest ones', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA }]);
  const r = await run(t, fake, 'single', ['crumbs=1100'], { timeoutMs: 180000 });
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const ctx = userPayload(fake.requests[0]).context;
  assert.equal(ctx.length, 20, 'max_context_artifacts (default 20)');
  assert.deepEqual(ctx.map((c) => c.payload.n), Array.from({ length: 20 }, (_, i) => 1080 + i), 'the 20 most recent crumbs');
});
