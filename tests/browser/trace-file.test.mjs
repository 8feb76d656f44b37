// The dashboard over a trace file alone: the pizza demo (FLOCK_DEMO) runs
// its pizza_workflow once and exits, then `flock dashboard FILE` (FLOCK_CLI)
// serves the file it left. Checked in Chromium: the critical path, agents
// shown by name (trace list, Agents view built from the spans), errors in
// sight (trace list, waterfall, "next error"), the span panel at narrow
// widths, the dependency graph (hooks behind a toggle, drill-down, a layout
// whose edges cross no node and whose labels never overlap), the
// correlation view and the configuration over a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoProblems, boxesOf, clippedTexts, openBrowser, openDashboard, screenshot, spanRow, startTraceFile, traceRow, waitUrl } from './helpers.mjs';

// Span classes (the `service` of spans) that must never stand in for agents.
const SPAN_CLASSES = ['Agent', 'Flock', 'FunctionEngine', 'OutputUtilityComponent', 'KitchenTimer'];

// The file, a browser, and the workflow's trace (summary and spans).
async function openFile(t, { env, viewport } = {}) {
  const server = await startTraceFile(t, { env });
  const list = (await server.api('/api/traces')).json;
  assert.equal(list.total, 1, 'the pizza demo records one workflow run');
  const summary = list.items[0];
  assert.equal(summary.workflow_name, 'pizza_workflow');
  const spans = (await server.api(`/api/traces/${summary.trace_id}`)).json.spans;
  const browser = await openBrowser(t, viewport ? { viewport } : undefined);
  return { server, summary, spans, ...browser };
}

const agentOf = (s) => s.attributes?.agent?.name;
const agentSpan = (spans, name) => spans.find((s) => s.name === 'Agent.execute' && agentOf(s) === name);
const childrenOf = (spans, parent) => spans.filter((s) => s.parent_id === parent.span_id);

// A span as "name [agent]": the agent of an Agent.execute span, or of the
// Agent.execute span it runs under (its engine and hooks).
function labelOf(spans, s) {
  const parent = spans.find((p) => p.span_id === s.parent_id);
  const agent = agentOf(s) ?? (parent?.name === 'Agent.execute' ? agentOf(parent) : undefined);
  return agent ? `${s.name} [${agent}]` : s.name;
}

test('critical path of pizza_workflow: chef\'s timer hook and engine, then the oven, then the critic; no other hook', async (t) => {
  const { server, summary, spans, page, problems } = await openFile(t);
  await openDashboard(page, server, '#/traces');
  await traceRow(page, summary.trace_id).locator('[data-testid="trace-link"]').click();
  await page.locator(`[data-testid="waterfall"][data-row-count="${spans.length}"]`).waitFor();

  const critical = new Set(
    await page.locator('[data-testid="span-row"][data-critical="true"]').evaluateAll((els) => els.map((e) => e.dataset.spanId)),
  );
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  // The exact path. KitchenTimer.on_pre_evaluate is on it by the rule, not
  // by mistake: examples/pizza_demo.cpp sleeps 1 ms in that hook, and chef's
  // engine starts only when it returns, so walking back from the engine's
  // start the hook is the child of chef's Agent.execute that finished last
  // (and at 1 ms, over 1% of the agent's 31 ms, it is no tiny hook). The
  // workflow's end waits for run_until_idle, which waits for the agents;
  // before run_until_idle starts, the workflow waited for Flock.publish.
  assert.deepEqual(
    [...critical].map((id) => labelOf(spans, byId.get(id))).sort(),
    [
      'Agent.execute [chef]',
      'Agent.execute [critic]',
      'Agent.execute [oven]',
      'Flock.publish',
      'Flock.run_until_idle',
      'FunctionEngine.evaluate [chef]',
      'FunctionEngine.evaluate [critic]',
      'FunctionEngine.evaluate [oven]',
      'KitchenTimer.on_pre_evaluate [chef]',
      'pizza_workflow',
    ],
    'the spans on the critical path',
  );
  const timer = spans.find((s) => s.name === 'KitchenTimer.on_pre_evaluate');
  const chefEngine = childrenOf(spans, agentSpan(spans, 'chef')).find((s) => s.name === 'FunctionEngine.evaluate');
  assert.ok(timer.duration_ms >= 1, `the timer hook sleeps 1 ms (${timer.duration_ms} ms)`);
  assert.ok(timer.end_time <= chefEngine.start_time, "the timer hook ends before chef's engine starts: the engine waited for it");
  await spanRow(page, timer.span_id).locator('[data-testid="critical-segment"]').first().waitFor();
  const criticalAgents = [...critical].map((id) => byId.get(id)).filter((s) => s.name === 'Agent.execute').map(agentOf).sort();
  assert.deepEqual(criticalAgents, ['chef', 'critic', 'oven'], 'the chain of agents the workflow waited for');
  for (const name of ['chef', 'oven', 'critic']) {
    const engine = childrenOf(spans, agentSpan(spans, name)).find((s) => s.name === 'FunctionEngine.evaluate');
    assert.ok(critical.has(engine.span_id), `${name}'s engine is on the path`);
    // The stretch of the path drawn on the engine's bar.
    await spanRow(page, engine.span_id).locator('[data-testid="critical-segment"]').first().waitFor();
  }
  for (const name of ['nutritionist', 'sommelier']) {
    const s = agentSpan(spans, name);
    assert.ok(!critical.has(s.span_id), `${name} finished before the oven: not on the path`);
    for (const c of childrenOf(spans, s)) assert.ok(!critical.has(c.span_id), `${c.name} of ${name} is not on the path`);
  }
  const hooks = spans.filter((s) => s.name.startsWith('OutputUtilityComponent.') || s.name === 'Flock.shutdown');
  assert.ok(hooks.length >= 5);
  for (const h of hooks) assert.ok(!critical.has(h.span_id), `the hook ${h.name} (${h.duration_ms} ms) is not on the path`);
  // The rows on the path are marked; unticking the toggle removes the marks.
  assert.equal(await page.locator('.wf-row.critical').count(), critical.size);
  await screenshot(page, 'file-critical-path-pizza-workflow');
  await page.locator('[data-testid="critical-toggle"]').uncheck();
  assert.equal(await page.locator('.wf-row.critical').count(), 0);
  assert.equal(await page.locator('[data-testid="critical-segment"]').count(), 0);
  assertNoProblems(problems);
});

test('agents by name over a file: trace list, agent filter, Agents view from the spans', async (t) => {
  const { server, summary, page, problems } = await openFile(t, { env: { OTEL_SERVICE_NAME: 'pizzeria' } });
  await openDashboard(page, server, '#/traces');
  const row = traceRow(page, summary.trace_id);
  await row.waitFor();
  // Agent names, not span classes; the program's service.name. (The row may
  // show before its chips on a loaded machine: wait for the last one.)
  const chip = row.locator('[data-testid="trace-agents"] [data-testid="agent-chip"]');
  await chip.nth(summary.agents.length - 1).waitFor();
  const chips = await chip.allTextContents();
  assert.deepEqual(chips, summary.agents);
  assert.deepEqual([...chips].sort(), ['chef', 'critic', 'nutritionist', 'oven', 'sommelier']);
  for (const c of SPAN_CLASSES) assert.ok(!chips.includes(c), `${c} is a span class, not an agent`);
  assert.deepEqual(summary.service_names, ['pizzeria'], 'the store keeps OTEL_SERVICE_NAME');
  assert.deepEqual(await row.locator('[data-testid="trace-service-names"] .tag').allTextContents(), ['pizzeria']);

  // The agent filter lists the agents and narrows by agent.name.
  const stats = (await server.api('/api/agents/stats')).json.agents;
  const options = await page.locator('[data-testid="filter-agent"] option').allTextContents();
  assert.deepEqual(options.slice(1), stats.map((a) => a.agent_name).sort());
  await page.locator('[data-testid="filter-agent"]').selectOption('oven');
  await waitUrl(page, /agent=oven/);
  await page.locator(`[data-testid="trace-total"][data-total="${(await server.api('/api/traces?agent=oven')).json.total}"]`).waitFor();
  await page.locator('[data-testid="filter-agent"]').selectOption('');
  await screenshot(page, 'file-trace-list-agents-and-service-name');

  // The trace's header: its service.name, and the span classes labelled as such.
  await page.goto(server.base + `#/trace/${summary.trace_id}`);
  const header = page.locator('[data-testid="timeline-service-names"]');
  await header.waitFor();
  assert.deepEqual(await header.locator('.tag').allTextContents(), ['pizzeria']);
  assert.match(await header.textContent(), /^Service pizzeria$/);
  const classes = page.locator('[data-testid="timeline-span-classes"]');
  assert.match(await classes.textContent(), /^Span classes /);
  assert.deepEqual(await classes.locator('.tag').allTextContents(), summary.services);
  await screenshot(page, 'file-timeline-header-service-name');

  // The Agents view: what the spans recorded, and a note on what they do not.
  const seen = (await server.api('/api/agents')).json;
  assert.equal(seen.source, 'spans');
  await page.goto(server.base + '#/agents');
  await page.locator('[data-testid="agents-view"][data-source="spans"]').waitFor();
  assert.match(await page.locator('[data-testid="agents-source-note"]').textContent(), /not in the store/);
  const graph = page.locator('[data-testid="agents-graph"]');
  await graph.locator('[data-testid="agent-node"]').nth(seen.agents.length - 1).waitFor();
  assert.deepEqual((await graph.locator('[data-testid="agent-node"]').evaluateAll((els) => els.map((e) => e.dataset.name))).sort(), seen.agents.map((a) => a.name).sort());
  const types = new Set(seen.agents.flatMap((a) => [...a.consumes, ...a.publishes]));
  assert.deepEqual((await graph.locator('[data-testid="type-node"]').evaluateAll((els) => els.map((e) => e.dataset.name))).sort(), [...types].sort());
  for (const ty of ['PizzaIdea', 'Recipe', 'Pizza', 'Review']) assert.ok(types.has(ty), `the spans record type ${ty}`);
  await graph.locator('[data-testid="agent-node"][data-name="oven"]').click();
  const oven = seen.agents.find((a) => a.name === 'oven');
  assert.equal(await page.locator('[data-testid="agent-consumes"]').textContent(), oven.consumes.join(', '));
  assert.equal(await page.locator('[data-testid="agent-publishes"]').textContent(), oven.publishes.join(', '));
  assert.equal(await page.locator('[data-testid="agent-description"]').textContent(), 'not in the trace file');
  // The statistics table: one row per agent, runs as the API counts them.
  for (const a of stats) {
    const r = page.locator(`[data-testid="agent-stats-row"][data-agent="${a.agent_name}"]`);
    assert.equal((await r.locator('td').nth(1).textContent()).trim(), String(a.runs));
    assert.equal((await r.locator('td').nth(2).textContent()).trim(), String(a.errors));
  }
  await screenshot(page, 'file-agents-view-from-spans');

  // Correlation: the id as recorded (not uppercased), and why no artifact is listed.
  const corr = summary.correlation_ids[0];
  assert.ok(corr);
  await page.goto(server.base + `#/correlation/${corr}`);
  await page.locator('[data-testid="correlation-trace-row"]').first().waitFor();
  const heading = page.locator('[data-testid="correlation-heading-id"]');
  assert.equal(await heading.evaluate((e) => e.innerText), corr, 'innerText applies text-transform: the id must read as recorded');
  assert.equal(await heading.evaluate((e) => getComputedStyle(e).textTransform), 'none');
  assert.match(await page.locator('[data-testid="correlation-artifacts-note"]').textContent(), /Not in the trace file/);
  assert.equal(await page.locator('[data-testid="correlation-artifacts"]').count(), 0, 'no empty artifacts table');
  await screenshot(page, 'file-correlation-artifacts-note');
  assertNoProblems(problems);
});

test('errors in sight: the message in the trace list and the waterfall, and "next error"', async (t) => {
  const { server, summary, spans, page, problems } = await openFile(t);
  const failed = spans.filter((s) => s.status_code === 'ERROR');
  assert.ok(failed.length >= 2 && summary.error_message, 'the sommelier fails, and so does its engine');
  await openDashboard(page, server, '#/traces');
  assert.equal(await traceRow(page, summary.trace_id).locator('[data-testid="trace-error-message"]').textContent(), summary.error_message);
  assert.equal(summary.error_message, 'wine cellar is locked');

  await page.goto(server.base + `#/trace/${summary.trace_id}`);
  await page.locator(`[data-testid="waterfall"][data-row-count="${spans.length}"]`).waitFor();
  // Each failed row shows its message inline, and no other row does.
  const inline = await page.locator('[data-testid="span-row"]').evaluateAll((els) =>
    els.map((e) => [e.dataset.spanId, e.querySelector('[data-testid="span-error-message"]')?.textContent.trim() ?? null]),
  );
  for (const [id, message] of inline) {
    const s = spans.find((x) => x.span_id === id);
    assert.equal(message, s.status_code === 'ERROR' ? s.status_description : null, `the row of ${s.name}`);
  }

  // "Next error" walks the failed spans in tree order, opening each, and wraps.
  const rowOrder = inline.map(([id]) => id);
  const inTreeOrder = failed.map((s) => s.span_id).sort((a, b) => rowOrder.indexOf(a) - rowOrder.indexOf(b));
  const next = page.locator('[data-testid="next-error"]');
  assert.equal(await next.textContent(), `Next error 0/${failed.length}`);
  for (let i = 0; i < failed.length + 1; i++) {
    await next.click();
    const want = inTreeOrder[i % failed.length];
    await page.locator(`[data-testid="json-viewer"][data-span-id="${want}"]`).waitFor();
    assert.equal(await next.textContent(), `Next error ${(i % failed.length) + 1}/${failed.length}`);
    assert.match(await spanRow(page, want).getAttribute('class'), /selected/);
    if (i === 0) await screenshot(page, 'file-next-error-selected');
  }
  assertNoProblems(problems);
});

test('span panel: the agent in the title, input and output parsed, names whole at 1024 px and up', async (t) => {
  const { server, summary, spans, page, problems } = await openFile(t, { viewport: { width: 1024, height: 800 } });
  const oven = agentSpan(spans, 'oven');
  await openDashboard(page, server, `#/trace/${summary.trace_id}?span=${oven.span_id}`);
  const panel = page.locator(`[data-testid="json-viewer"][data-span-id="${oven.span_id}"]`);
  await panel.waitFor();
  const title = panel.locator('[data-testid="json-title"]');
  assert.equal(await title.locator('[data-testid="agent-chip"]').textContent(), 'oven');
  assert.match(await title.textContent(), /oven\s*Agent\.execute/);

  // Input and output: parsed and shown as trees, the text as recorded on demand.
  const input = panel.locator('[data-testid="span-input"]');
  const output = panel.locator('[data-testid="span-output"]');
  assert.equal(await input.getAttribute('data-view'), 'pretty');
  assert.equal(await output.getAttribute('data-view'), 'pretty');
  const recorded = oven.attributes.input.value;
  const parsedInput = JSON.parse(recorded);
  for (const key of Object.keys(parsedInput)) await input.locator('[data-testid="io-pretty"]', { hasText: key }).waitFor();
  assert.equal(await input.locator('[data-testid="io-raw-text"]').count(), 0, 'no raw text until asked');
  await input.locator('[data-testid="io-raw-toggle"]').click();
  assert.equal(await input.getAttribute('data-view'), 'raw');
  assert.equal(await input.locator('[data-testid="io-raw-text"]').textContent(), recorded);
  await input.locator('[data-testid="io-raw-toggle"]').click();
  assert.equal(await input.getAttribute('data-view'), 'pretty');

  // Whole names with the panel open, at several widths.
  for (const width of [1024, 1280, 1600]) {
    await page.setViewportSize({ width, height: 800 });
    await page.locator('[data-testid="span-agent"]').first().waitFor();
    const agentsShown = await page.locator('[data-testid="span-agent"]').allTextContents();
    assert.deepEqual([...new Set(agentsShown)].sort(), ['chef', 'critic', 'nutritionist', 'oven', 'sommelier']);
    assert.deepEqual(await clippedTexts(page.locator('[data-testid="span-agent"]')), [], `agent names in the waterfall are whole at ${width} px`);
    assert.deepEqual(await clippedTexts(title.locator('[data-testid="agent-chip"], .jv-name')), [], `the panel's title is whole at ${width} px`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `no horizontal scroll at ${width} px`);
    // Span classes and operations (hooks included) are whole too, on every row.
    const names = page.locator('[data-testid="span-row"] .wf-service, [data-testid="span-row"] .wf-op');
    assert.equal(await page.locator('[data-testid="span-row"]').count(), spans.length, 'every row is drawn');
    const shown = await page.locator('[data-testid="span-row"]').evaluateAll((els) =>
      els.map((e) => [e.dataset.spanId, [...e.querySelectorAll('.wf-service, .wf-op')].map((x) => x.textContent).join('.')]),
    );
    for (const [id, name] of shown) assert.equal(name, spans.find((x) => x.span_id === id).name, 'each row reads its span\'s name');
    assert.ok(shown.some(([, n]) => n === 'OutputUtilityComponent.on_initialize') && shown.some(([, n]) => n === 'KitchenTimer.on_pre_evaluate'));
    assert.deepEqual(await clippedTexts(names), [], `span classes and operations in the waterfall are whole at ${width} px`);
    // The time axis: no two tick labels overlap, the total is the last one.
    const ticks = await boxesOf(page.locator('[data-testid="wf-tick"]'));
    assert.ok(ticks.length >= 2, `at least the start and the total on the axis at ${width} px`);
    for (let i = 1; i < ticks.length; i++) {
      assert.ok(ticks[i - 1].x + ticks[i - 1].width <= ticks[i].x, `tick labels "${ticks[i - 1].name}" and "${ticks[i].name}" overlap at ${width} px`);
    }
    assert.equal(ticks[0].name, '0ms');
    assert.equal(ticks[ticks.length - 1].name, await page.locator('[data-testid="timeline-duration"]').textContent());
    const axis = (await boxesOf(page.locator('[data-testid="wf-axis"]')))[0];
    for (const k of ticks) assert.ok(k.x >= axis.x - 1 && k.x + k.width <= axis.x + axis.width + 1, `tick "${k.name}" inside the axis at ${width} px`);
    await screenshot(page, `file-span-panel-${width}px`);
  }
  assertNoProblems(problems);
});

// Checks a drawn graph: no edge passes through a node other than its own
// ends (sampled along each path), no edge runs inside its own ends, and no
// two labels overlap (nor a label and a node). Coordinates are the SVG's.
async function assertGraphGeometry(page, graphTestId, what) {
  const g = await page.locator(`[data-testid="${graphTestId}"]`).evaluate((svg) => {
    const nodes = [...svg.querySelectorAll('[data-box]')].map((n) => {
      const [x, y, width, height] = n.dataset.box.split(' ').map(Number);
      return { name: n.dataset.name, x, y, width, height };
    });
    const edges = [...svg.querySelectorAll('[data-testid="graph-edge"]')].map((e) => {
      const path = e.querySelector('path');
      const len = path.getTotalLength();
      const points = [];
      for (let i = 0; i <= 200; i++) {
        const p = path.getPointAtLength((len * i) / 200);
        points.push([p.x, p.y]);
      }
      return { from: e.dataset.from, to: e.dataset.to, points };
    });
    const labels = [...svg.querySelectorAll('[data-testid="edge-label"] rect')].map((r) => ({
      name: r.parentElement.textContent,
      x: r.x.baseVal.value,
      y: r.y.baseVal.value,
      width: r.width.baseVal.value,
      height: r.height.baseVal.value,
    }));
    return { nodes, edges, labels };
  });
  assert.ok(g.nodes.length > 0 && g.edges.length > 0, `${what}: a graph is drawn`);
  const inside = ([x, y], b, m) => x > b.x + m && x < b.x + b.width - m && y > b.y + m && y < b.y + b.height - m;
  const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  for (const e of g.edges) {
    for (const n of g.nodes) {
      const own = n.name === e.from.replace(/^\w+:/, '') || n.name === e.to.replace(/^\w+:/, '');
      const hit = e.points.find((p) => inside(p, n, own ? 3 : 0));
      assert.equal(hit, undefined, `${what}: the edge ${e.from} -> ${e.to} runs through the node ${n.name} at ${hit}`);
    }
  }
  for (let i = 0; i < g.labels.length; i++) {
    for (let j = i + 1; j < g.labels.length; j++) {
      assert.ok(!overlap(g.labels[i], g.labels[j]), `${what}: labels "${g.labels[i].name}" and "${g.labels[j].name}" overlap`);
    }
    for (const n of g.nodes) assert.ok(!overlap(g.labels[i], n), `${what}: label "${g.labels[i].name}" covers the node ${n.name}`);
  }
  return g;
}

test('dependencies over a file: by agent, hooks behind a toggle, drill-down by operation, a clean layout', async (t) => {
  const { server, page, problems } = await openFile(t);
  const byAgent = (await server.api('/api/dependencies')).json;
  const byService = (await server.api('/api/dependencies?by=service')).json.edges;
  assert.equal(byAgent.by, 'agent', 'by agent by default');
  const agents = new Set((await server.api('/api/agents/stats')).json.agents.map((a) => a.agent_name));
  const pairs = (edges) => edges.map((e) => `${e.parent} -> ${e.child}`).sort();
  const drawn = () =>
    page.locator('[data-testid="dependencies-graph"] [data-testid="graph-edge"]').evaluateAll((els) => els.map((e) => `${e.dataset.from} -> ${e.dataset.to}`).sort());
  const nodeNames = () => page.locator('[data-testid="dependency-node"]').evaluateAll((els) => els.map((e) => e.dataset.name).sort());

  await openDashboard(page, server, '#/dependencies');
  await page.locator('[data-testid="dependencies-view"][data-by="agent"]').waitFor();
  await page.locator('[data-testid="dependency-row"]').nth(byAgent.edges.length - 1).waitFor();
  assert.deepEqual(await drawn(), pairs(byAgent.edges));
  for (const hook of ['FunctionEngine', 'OutputUtilityComponent', 'KitchenTimer']) assert.ok(!(await nodeNames()).includes(hook), `${hook} hidden`);
  await assertGraphGeometry(page, 'dependencies-graph', 'by agent');
  await screenshot(page, 'file-dependencies-by-agent');

  // Hooks on: each agent's calls of its hooks join the graph.
  const hookEdges = byService.filter((e) => agents.has(e.parent) && !agents.has(e.child));
  assert.ok(hookEdges.length >= 5);
  await page.locator('[data-testid="deps-hooks"]').check();
  await waitUrl(page, /hooks=1/);
  await page.locator('[data-testid="dependency-row"]').nth(byAgent.edges.length + hookEdges.length - 1).waitFor();
  assert.deepEqual(await drawn(), pairs([...byAgent.edges, ...hookEdges]));
  for (const hook of ['FunctionEngine', 'OutputUtilityComponent', 'KitchenTimer']) assert.ok((await nodeNames()).includes(hook), `${hook} shown`);
  const hookNodes = await page.locator('[data-testid="dependency-node"].hook').evaluateAll((els) => els.map((e) => e.dataset.name).sort());
  assert.deepEqual(hookNodes, [...new Set(hookEdges.map((e) => e.child))].sort(), 'hooks are drawn as hooks');
  await assertGraphGeometry(page, 'dependencies-graph', 'by agent with hooks');
  await screenshot(page, 'file-dependencies-with-hooks');

  // By service with hooks: every edge of the answer, still a clean layout.
  await page.locator('[data-testid="deps-by-service"]').click();
  await page.locator('[data-testid="dependencies-view"][data-by="service"]').waitFor();
  await page.locator('[data-testid="dependency-row"]').nth(byService.length - 1).waitFor();
  assert.deepEqual(await drawn(), pairs(byService));
  await assertGraphGeometry(page, 'dependencies-graph', 'by service with hooks');
  await screenshot(page, 'file-dependencies-by-service');

  // Drill-down: a click on a service node shows its operations.
  await page.locator('[data-testid="dependency-node"][data-name="FunctionEngine"]').click();
  await waitUrl(page, /by=operation&focus=FunctionEngine\./);
  await page.locator('[data-testid="deps-focus"]').waitFor();
  const ops = (await server.api('/api/dependencies?by=operation')).json.edges.filter(
    (e) => e.parent.startsWith('FunctionEngine.') || e.child.startsWith('FunctionEngine.'),
  );
  assert.ok(ops.length > 0);
  await page.locator('[data-testid="dependency-row"]').nth(ops.length - 1).waitFor();
  assert.deepEqual(await drawn(), pairs(ops));
  await assertGraphGeometry(page, 'dependencies-graph', 'operations of FunctionEngine');
  await screenshot(page, 'file-dependencies-drill-down-operations');
  assertNoProblems(problems);
});

test('configuration over a file: the store, retention, filters, and whose settings they are', async (t) => {
  // The program that writes the file names itself pizzeria; flock dashboard has no OTEL_SERVICE_NAME.
  const { server, page, problems } = await openFile(t, { env: { OTEL_SERVICE_NAME: 'pizzeria' } });
  const cfg = (await server.api('/api/config')).json;
  assert.equal(cfg.live, false);
  await openDashboard(page, server, '#/config');
  assert.match(await page.locator('[data-testid="config-mode"]').textContent(), /trace file alone/);
  assert.equal(await page.locator('[data-testid="config-store-path"]').textContent(), cfg.store.path);
  assert.equal(await page.locator('[data-testid="config-store-size"]').textContent(), `${cfg.store.size_mb.toFixed(2)} MB`);
  assert.match(await page.locator('[data-testid="config-ttl"]').textContent(), /kept until cleared/);
  await page.locator('[data-testid="config-file-note"]').waitFor();
  assert.equal(await page.locator('[data-testid="config-version"]').textContent(), `flock ${cfg.version}`);
  // Every card holding the process's settings says whose they are: filters,
  // retention and tracing, not the Tracing card alone.
  assert.match(await page.locator('[data-testid="config-filters-note"]').textContent(), /flock dashboard process/);
  assert.equal(await page.locator('[data-testid="config-filters"]').evaluate((e) => e.closest('.card').querySelector('[data-testid="config-filters-note"]') !== null), true);
  assert.match(await page.locator('[data-testid="config-retention-note"]').textContent(), /flock dashboard process's setting/);
  assert.match(await page.locator('[data-testid="config-file-note"]').textContent(), /flock dashboard process/);
  // The store's service.name next to the process's own (unknown_service here).
  assert.deepEqual((await server.api('/api/traces')).json.items[0].service_names, ['pizzeria']);
  assert.equal(cfg.tracing.service_name, '', 'flock dashboard itself runs without OTEL_SERVICE_NAME');
  await page.locator('[data-testid="config-store-service-names"] .tag').first().waitFor();
  assert.deepEqual(await page.locator('[data-testid="config-store-service-names"] .tag').allTextContents(), ['pizzeria']);
  const serviceName = page.locator('[data-testid="config-row"][data-setting="service.name"] .config-value');
  assert.match(await serviceName.textContent(), /^unknown_service:<program> \(default\) \(this process; the store's spans carry pizzeria\)$/);
  await screenshot(page, 'file-configuration');
  assertNoProblems(problems);
});
