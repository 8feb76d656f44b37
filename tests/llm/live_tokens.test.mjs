// stream: true with a dashboard: every streamed token reaches the HTTP API's
// live event stream (/api/events) as an llm_token event while the answer
// arrives, tagged with the agent and the model call's span.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startFake, startScenario, scenarioEnv, tempDir, llmEnv, PIZZA } from './helpers.mjs';

test('streamed tokens arrive as llm_token events on /api/events, in order, and add up to the answer', async (t) => {
  const fake = await startFake(t);
  const content = JSON.stringify(PIZZA);
  fake.script([{ content: PIZZA, chunkSize: 3, id: 'chatcmpl-live-1' }]);
  const tmp = tempDir(t);
  const h = startScenario(t, ['single', 'stream=true', 'serve=true'], {
    env: scenarioEnv(tmp, llmEnv(fake, {})),
    cwd: tmp.dir,
  });
  const { serving } = await h.waitFor((l) => typeof l.serving === 'string');

  const abort = new AbortController();
  t.after(() => abort.abort());
  const res = await fetch(new URL('/api/events', serving), { signal: abort.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const events = [];
  const readUntil = async (pred) => {
    while (!pred()) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`event stream ended; got ${JSON.stringify(events)}`);
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const name = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (name) events.push({ name, data: data ? JSON.parse(data) : null });
      }
    }
  };
  await readUntil(() => events.some((e) => e.name === 'hello'));
  writeFileSync(path.join(tmp.dir, 'go'), '');  // now the scenario publishes

  const finished = () => events.some((e) => e.name === 'agent_finished' || e.name === 'agent_failed');
  await readUntil(finished);
  const tokens = events.filter((e) => e.name === 'llm_token');
  assert.ok(tokens.length >= Math.floor(content.length / 3), `one event per streamed chunk (${tokens.length})`);
  assert.equal(tokens.map((e) => e.data.text).join(''), content, 'the tokens, in order, are the answer');
  for (const e of tokens) {
    assert.equal(e.data.agent, 'pizza_master');
    assert.match(e.data.trace_id, /^[0-9a-f]{32}$/);
    assert.match(e.data.span_id, /^[0-9a-f]{16}$/);
  }
  assert.equal(new Set(tokens.map((e) => e.data.span_id)).size, 1, 'all from one model call span');
  const started = events.findIndex((e) => e.name === 'agent_started');
  const first = events.findIndex((e) => e.name === 'llm_token');
  const done = events.findIndex((e) => e.name === 'agent_finished');
  assert.ok(started >= 0 && started < first && first < done, 'tokens stream between the agent starting and finishing');
  abort.abort();
  const r = await h.exited;
  assert.equal(r.code, 0, r.stderr);
});
