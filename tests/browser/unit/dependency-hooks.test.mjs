// Unit tests of web/src/dependencyHooks.ts: which nodes of the dependency
// graph are hooks, and the edges drawn with and without them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importTs } from './load-ts.mjs';

const { hookNodes, withHooks } = await importTs('src/dependencyHooks.ts');

const e = (parent, child, calls = 1, errors = 0) => ({ parent, child, calls, errors });
// The pizza workflow by service: a workflow calls Flock, Flock the chef, the
// chef its hooks, its engine and the agents it triggered.
const byService = [
  e('pizza_workflow', 'Flock', 2),
  e('Flock', 'chef'),
  e('chef', 'OutputUtilityComponent', 2),
  e('chef', 'KitchenTimer'),
  e('chef', 'FunctionEngine'),
  e('chef', 'oven'),
  e('oven', 'FunctionEngine'),
  e('oven', 'critic'),
  e('critic', 'LLMEngine'),
  e('LLMEngine', 'Tool'),
];
const byAgent = [e('pizza_workflow', 'chef'), e('chef', 'oven'), e('oven', 'critic')];
const agents = new Set(['chef', 'oven', 'critic']);

test('hooks: what only agents (or hooks) call, never agents, Flock or workflows', () => {
  assert.deepEqual([...hookNodes(byService, agents)].sort(), ['FunctionEngine', 'KitchenTimer', 'LLMEngine', 'OutputUtilityComponent', 'Tool']);
  // A service that something else calls too is not a hook.
  assert.deepEqual([...hookNodes([...byService, e('Flock', 'FunctionEngine')], agents)].sort(), ['KitchenTimer', 'LLMEngine', 'OutputUtilityComponent', 'Tool']);
  assert.equal(hookNodes([], agents).size, 0);
});

test('by agent: agent edges alone, then with each agent\'s hooks', () => {
  assert.deepEqual(withHooks('agent', byAgent, byService, agents, false).edges, byAgent);
  const shown = withHooks('agent', byAgent, byService, agents, true).edges;
  const pairs = shown.map((x) => `${x.parent}>${x.child}`);
  assert.deepEqual(pairs.slice(0, 3), ['pizza_workflow>chef', 'chef>oven', 'oven>critic']);
  assert.deepEqual(pairs.slice(3).sort(), ['LLMEngine>Tool', 'chef>FunctionEngine', 'chef>KitchenTimer', 'chef>OutputUtilityComponent', 'critic>LLMEngine', 'oven>FunctionEngine']);
});

test('by service: hooks left out unless asked', () => {
  const hidden = withHooks('service', byService, byService, agents, false).edges.map((x) => `${x.parent}>${x.child}`);
  assert.deepEqual(hidden, ['pizza_workflow>Flock', 'Flock>chef', 'chef>oven', 'oven>critic']);
  assert.equal(withHooks('service', byService, byService, agents, true).edges.length, byService.length);
});
