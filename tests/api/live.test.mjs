// POST /api/artifacts on a running Flock: the agents run live, /api/events
// streams the artifacts, agent lifecycle and ended spans, and the new trace
// appears in /api/traces and in the file. A traceparent header makes the
// publish join the caller's trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startDemo, api, getJson, openEvents, storedSpans, waitUntil, HEX32, HEX16 } from './helpers.mjs';

const publish = (s, json, headers = {}) => api(s.base, '/api/artifacts', { method: 'POST', json, headers });

// Waits until the API and the file both hold `count` spans of the trace.
async function waitForTrace(s, traceId, count) {
  return waitUntil(
    async () => {
      const r = await api(s.base, `/api/traces/${traceId}`);
      return r.status === 200 && r.body.spans.length >= count ? r.body : null;
    },
    `${count} spans of trace ${traceId} in /api/traces/${traceId}`,
  );
}

test('publish an Order: artifact, agent_started/agent_finished and span events, then the trace in /api/traces and the file', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const ev = await openEvents(t, s.base);
  assert.equal(ev.status, 200);
  assert.match(ev.headers.get('content-type'), /^text\/event-stream/);
  const hello = await ev.waitFor((e) => e.event === 'hello', 'hello');
  assert.equal(ev.events[0], hello, 'hello comes first');
  assert.equal(hello.data.live, true);
  assert.equal(ev.retry, 2000);
  // A second subscriber sees the same stream.
  const ev2 = await openEvents(t, s.base);
  await ev2.waitFor((e) => e.event === 'hello', 'hello (2nd subscriber)');

  const r = await publish(s, { type: 'Order', payload: { dish: 'gnocchi', guests: 3 }, correlation_id: 'live-1', tags: ['api', 'hot'] });
  assert.equal(r.status, 201, r.text);
  const a = r.body;
  for (const k of ['id', 'type', 'payload', 'produced_by', 'correlation_id', 'tags', 'created_at']) assert.ok(k in a, `response has ${k}`);
  assert.equal(a.type, 'Order');
  assert.deepEqual(a.payload, { dish: 'gnocchi', guests: 3 });
  assert.equal(a.correlation_id, 'live-1');
  assert.deepEqual(a.tags, ['api', 'hot']);
  assert.equal(typeof a.produced_by, 'string');
  assert.match(a.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.deepEqual(a.artifact, Object.fromEntries(Object.entries(a).filter(([k]) => k !== 'artifact' && k !== 'trace_id')));
  assert.equal(a.trace_id, undefined, 'no traceparent: no trace_id in the answer');

  // The artifact event, then each agent starting and finishing.
  const art = await ev.waitFor((e) => e.event === 'artifact' && e.data.id === a.id, 'the Order artifact event');
  assert.equal(art.data.type, 'Order');
  assert.equal(art.data.correlation_id, 'live-1');
  assert.deepEqual(art.data.tags, ['api', 'hot']);
  const chefStart = await ev.waitFor((e) => e.event === 'agent_started' && e.data.agent === 'chef' && e.data.artifact_id === a.id, 'chef started');
  const chefDone = await ev.waitFor((e) => e.event === 'agent_finished' && e.data.agent === 'chef' && e.data.artifact_id === a.id, 'chef finished');
  assert.ok(ev.events.indexOf(art) < ev.events.indexOf(chefStart), 'the artifact is announced before chef starts');
  assert.ok(ev.events.indexOf(chefStart) < ev.events.indexOf(chefDone), 'chef starts before it finishes');
  const traceId = chefStart.data.trace_id;
  assert.match(traceId, HEX32);
  assert.match(chefStart.data.span_id, HEX16);
  assert.equal(chefStart.data.correlation_id, 'live-1');
  assert.equal(chefDone.data.trace_id, traceId);
  const plate = await ev.waitFor((e) => e.event === 'artifact' && e.data.type === 'Plate' && e.data.correlation_id === 'live-1', 'the Plate');
  assert.equal(plate.data.produced_by, 'chef');
  for (const agent of ['critic', 'sommelier']) {
    const st = await ev.waitFor((e) => e.event === 'agent_started' && e.data.agent === agent && e.data.artifact_id === plate.data.id, `${agent} started`);
    const fin = await ev.waitFor((e) => e.event === 'agent_finished' && e.data.agent === agent && e.data.artifact_id === plate.data.id, `${agent} finished`);
    assert.ok(ev.events.indexOf(st) < ev.events.indexOf(fin));
    assert.equal(st.data.trace_id, traceId, `${agent} runs in the publish's trace`);
  }
  const verdicts = await waitUntil(
    () => {
      const v = ev.events.filter((e) => e.event === 'artifact' && e.data.type === 'Verdict' && e.data.correlation_id === 'live-1');
      return v.length === 2 ? v : null;
    },
    'two Verdict artifacts',
  );
  assert.deepEqual(verdicts.map((v) => v.data.produced_by).sort(), ['critic', 'sommelier']);
  assert.ok(!ev.events.some((e) => e.event === 'agent_failed'), 'nothing failed');

  // Span events: every span of the new trace as it ends.
  const sommelierSpan = await ev.waitFor(
    (e) => e.event === 'span' && e.data.trace_id === traceId && e.data.name === 'Agent.execute' && e.data.agent_name === 'sommelier',
    "sommelier's Agent.execute span",
  );
  for (const k of ['trace_id', 'span_id', 'parent_id', 'name', 'start_time', 'end_time', 'duration_ms', 'status_code']) {
    assert.ok(k in sommelierSpan.data, `span event has ${k}`);
  }
  assert.equal(sommelierSpan.data.status_code, 'OK');
  assert.equal(typeof sommelierSpan.data.start_time, 'bigint', 'start_time is ns since the epoch');
  const publishSpan = await ev.waitFor((e) => e.event === 'span' && e.data.trace_id === traceId && e.data.name === 'Flock.publish', 'the Flock.publish span');
  assert.equal(publishSpan.data.parent_id, null, 'a publish with no current span is a root');
  // The second subscriber got the same events.
  await ev2.waitFor((e) => e.event === 'span' && e.data.span_id === sommelierSpan.data.span_id, 'the same span event on the 2nd stream');
  await ev2.waitFor((e) => e.event === 'artifact' && e.data.id === a.id, 'the same artifact event on the 2nd stream');

  // The new trace in /api/traces, its spans equal to the span events and the file.
  const spanEvents = () => new Map(ev.events.filter((e) => e.event === 'span' && e.data.trace_id === traceId).map((e) => [e.data.span_id, e.data]));
  const body = await waitForTrace(s, traceId, spanEvents().size);
  const list = await getJson(s.base, '/api/traces?correlation_id=live-1');
  assert.equal(list.total, 1);
  const item = list.items[0];
  assert.equal(item.trace_id, traceId);
  assert.equal(item.root_name, 'Flock.publish');
  assert.equal(item.workflow_name, null, 'not a workflow run');
  assert.equal(item.error_count, 0);
  assert.equal((await getJson(s.base, '/api/traces?limit=1')).items[0].trace_id, traceId, 'the newest trace');
  const events = spanEvents();
  for (const sp of body.spans) {
    const e = events.get(sp.span_id);
    if (!e) continue; // a span that ended before this check's snapshot of events
    assert.equal(e.name, sp.name);
    assert.equal(e.parent_id, sp.parent_id);
    assert.equal(BigInt(e.start_time), BigInt(sp.start_time));
    assert.equal(BigInt(e.end_time), BigInt(sp.end_time));
  }
  for (const id of events.keys()) assert.ok(body.spans.some((x) => x.span_id === id), `span event ${id} is stored`);
  const agents = body.spans.filter((x) => x.name === 'Agent.execute').map((x) => x.attributes.agent.name).sort();
  assert.deepEqual(agents, ['chef', 'critic', 'sommelier']);
  const fileSpans = (await storedSpans(s.db)).filter((x) => x.trace_id === traceId);
  assert.deepEqual(fileSpans.map((x) => x.span_id).sort(), body.spans.map((x) => x.span_id).sort(), 'the file holds the same spans');
  const pub = fileSpans.find((x) => x.name === 'Flock.publish');
  assert.equal(pub.attributes.artifact.id, a.id);
  assert.equal(pub.attributes.correlation_id, 'live-1');

  // The artifact list has it too.
  const arts = await getJson(s.base, '/api/artifacts?correlation_id=live-1');
  assert.equal(arts.total, 4, 'Order, Plate and two Verdicts');
  assert.ok(arts.items.some((x) => x.id === a.id));
});

test('a failing agent: agent_failed with its error, and status=error finds the new trace', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const ev = await openEvents(t, s.base);
  await ev.waitFor((e) => e.event === 'hello');
  const r = await publish(s, { type: 'Order', payload: { dish: 'burnt risotto', guests: 2 }, correlation_id: 'live-burnt' });
  assert.equal(r.status, 201, r.text);
  const failed = await ev.waitFor((e) => e.event === 'agent_failed' && e.data.correlation_id === 'live-burnt', 'agent_failed');
  assert.equal(failed.data.agent, 'sommelier');
  assert.match(failed.data.error, /wine cellar is locked/);
  assert.match(failed.data.trace_id, HEX32);
  const started = ev.events.find((e) => e.event === 'agent_started' && e.data.agent === 'sommelier' && e.data.correlation_id === 'live-burnt');
  assert.ok(started && ev.events.indexOf(started) < ev.events.indexOf(failed), 'sommelier started before it failed');
  assert.ok(!ev.events.some((e) => e.event === 'agent_finished' && e.data.agent === 'sommelier' && e.data.correlation_id === 'live-burnt'));
  const errSpan = await ev.waitFor(
    (e) => e.event === 'span' && e.data.trace_id === failed.data.trace_id && e.data.status_code === 'ERROR' && e.data.name === 'Agent.execute',
    'the ERROR span event',
  );
  assert.equal(errSpan.data.agent_name, 'sommelier');
  const list = await waitUntil(async () => {
    const b = await getJson(s.base, '/api/traces?status=error&correlation_id=live-burnt');
    return b.total === 1 && b.items[0].error_count === 2 ? b : null;
  }, 'the failing trace under status=error');
  assert.equal(list.items[0].trace_id, failed.data.trace_id);
});

test('traceparent: the publish joins the caller\'s trace (trace_id = caller\'s, parent = caller\'s span)', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const ev = await openEvents(t, s.base);
  await ev.waitFor((e) => e.event === 'hello');
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  const r = await publish(
    s,
    { type: 'Order', payload: { dish: 'ravioli', guests: 4 }, correlation_id: 'joined' },
    { traceparent: `00-${traceId}-${parentId}-01`, tracestate: 'vendor=abc' },
  );
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.trace_id, traceId, 'the answer names the joined trace');
  const st = await ev.waitFor((e) => e.event === 'agent_started' && e.data.agent === 'chef' && e.data.artifact_id === r.body.id, 'chef started');
  assert.equal(st.data.trace_id, traceId);
  await ev.waitFor((e) => e.event === 'agent_finished' && e.data.agent === 'sommelier' && e.data.trace_id === traceId, 'sommelier finished');
  await ev.waitFor((e) => e.event === 'span' && e.data.trace_id === traceId && e.data.agent_name === 'sommelier', "sommelier's span");
  const body = await waitUntil(async () => {
    const x = await api(s.base, `/api/traces/${traceId}`);
    return x.status === 200 && x.body.spans.filter((y) => y.name === 'Agent.execute').length === 3 ? x.body : null;
  }, 'the joined trace with its three agents');
  const pub = body.spans.find((x) => x.name === 'Flock.publish');
  assert.ok(pub, 'the Flock.publish span is in the caller\'s trace');
  assert.equal(pub.trace_id, traceId);
  assert.equal(pub.parent_id, parentId, "Flock.publish's parent is the caller's span");
  const chef = body.spans.find((x) => x.name === 'Agent.execute' && x.attributes.agent.name === 'chef');
  assert.equal(chef.parent_id, pub.span_id, 'chef runs under the publish');
  for (const sp of body.spans) assert.equal(sp.trace_id, traceId);
  // The file agrees; the list finds the trace by its id.
  const file = (await storedSpans(s.db)).filter((x) => x.trace_id === traceId);
  assert.equal(file.find((x) => x.span_id === pub.span_id).parent_id, parentId);
  const list = await getJson(s.base, `/api/traces?q=${traceId}`);
  assert.equal(list.total, 1);
  assert.equal(list.items[0].trace_id, traceId);
  assert.equal(list.items[0].root_name, 'Flock.publish', 'its topmost stored span');
});

test('an invalid traceparent is ignored: the publish starts its own trace', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const zero = '0'.repeat(32);
  const bad = [
    `00-${zero}-b7ad6b7169203331-01`, // all-zero trace id
    '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01', // all-zero span id
    'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', // version ff
    '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01', // upper case
    'garbage',
  ];
  for (const [i, tp] of bad.entries()) {
    const r = await publish(s, { type: 'Order', payload: { dish: `plain ${i}`, guests: 1 }, correlation_id: `bad-tp-${i}` }, { traceparent: tp });
    assert.equal(r.status, 201, `${tp}: ${r.text}`);
    assert.equal(r.body.trace_id, undefined, `${tp}: not joined`);
  }
  for (let i = 0; i < bad.length; i++) {
    const b = await waitUntil(async () => {
      const x = await getJson(s.base, `/api/traces?correlation_id=bad-tp-${i}`);
      return x.total === 1 ? x : null;
    }, `the trace of bad-tp-${i}`);
    assert.notEqual(b.items[0].trace_id, zero);
    assert.notEqual(b.items[0].trace_id, '0af7651916cd43dd8448eb211c80319c', `${bad[i]} was not joined`);
  }
});

test('/api/events sends ": keepalive" comments while idle', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const ev = await openEvents(t, s.base);
  await ev.waitFor((e) => e.event === 'hello');
  const c = await ev.waitForComment((x) => x === 'keepalive', 'a keepalive comment', 40000);
  assert.equal(c, 'keepalive');
  assert.equal(ev.ended, false, 'the stream stays open');
});
