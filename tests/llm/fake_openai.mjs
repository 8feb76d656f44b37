// A fake OpenAI-compatible model server for the LLM engine tests: a real
// HTTP server (node:http) on 127.0.0.1 that speaks POST /v1/chat/completions,
// records every request (headers and parsed body) and answers as each test
// scripts it.
//
//   const fake = await startFake(t);           // stopped after the test
//   fake.script([answer, ...], otherwise);     // one answer per request, in order
//   env: { OPENAI_BASE_URL: fake.base, OPENAI_API_KEY: KEY }
//
// An answer is one of (every form takes delayMs):
//   { content, id?, model?, usage?, finishReason?, refusal? }
//        a chat completion whose message content is `content` (a string, or
//        any other value as its JSON text); streamed as SSE when the request
//        asked for stream: true (chunks of `chunkSize` characters)
//   { auto: true }     content made up from the request's schema (valid for it)
//   { status, body?, headers? }      any status with a raw body (string or object)
//   { json }           a 200 whose body is this object
//   { hang: true }     never answers (the connection stays open until stop())
//   { cut: n }         SSE: n chunks of the answer, then the socket is destroyed;
//                      plain: the headers and half the body, then destroyed
//   { stall: n }       SSE: n chunks of the answer, then nothing (never ends)
//   { crlf, comments } SSE: CRLF line ends; ": keep-alive" comments and
//                      "event:" lines between the chunks
//   { noDone: true }   SSE: the chunks end cleanly but without `data: [DONE]`
//   { sse: [lines] }   SSE: exactly these data payloads (objects are JSON'd)
//   { hugeBytes: n }   a 200 completion of about n bytes (content of n 'x')
//   { toolCalls: [{ id?, name, arguments }], content? }
//        an answer asking for function calls (finish_reason "tool_calls");
//        arguments is the JSON text sent (any other value: its JSON text);
//        id defaults to call_<n>; streamed as OpenAI does: per call a delta
//        with index, id and name, then the arguments in `chunkSize` pieces.
//        A call given as { raw } is sent exactly as raw (hostile entries).
//   (req) => answer    computed from the recorded request
// `otherwise` (default { auto: true }) answers once the script is used up.
import http from 'node:http';
import net from 'node:net';
import { Waiters } from '../support/node_harness.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A value that fits a JSON Schema of the subset FLOCK_TYPE produces (after
// strict-mode rewriting: type arrays, required, additionalProperties).
export function sampleFor(schema, hint = 'x') {
  if (!schema || typeof schema !== 'object') return null;
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((x) => x !== 'null') ?? 'null';
  switch (type) {
    case 'object': {
      const out = {};
      for (const [k, s] of Object.entries(schema.properties ?? {})) out[k] = sampleFor(s, k);
      return out;
    }
    case 'array':
      return [sampleFor(schema.items, hint), sampleFor(schema.items, hint)];
    case 'string':
      return `${hint} value`;
    case 'integer':
      return 7;
    case 'number':
      return 2.5;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return {};
  }
}

// The JSON Schema a request asks for: response_format's, else the one the
// system prompt spells out (the fallbacks).
export function schemaOf(body) {
  const rf = body?.response_format;
  if (rf?.type === 'json_schema' && rf.json_schema?.schema) return rf.json_schema.schema;
  const sys = (body?.messages ?? []).find((m) => m.role === 'system')?.content ?? '';
  const at = sys.indexOf('JSON Schema:\n');
  if (at >= 0) {
    const text = sys.slice(at + 'JSON Schema:\n'.length).split('\n')[0];
    try {
      return JSON.parse(text);
    } catch {}
  }
  return null;
}

// Tool calls of a script as the API spells them ({raw} entries as they are).
export function toolCallsOf(calls) {
  return calls.map((c, i) =>
    c.raw !== undefined
      ? c.raw
      : { id: c.id ?? `call_${i}`, type: 'function', function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments ?? {}) } },
  );
}

// A chat completion object (non-streamed).
export function completion(content, { id = 'chatcmpl-fake-1', model = 'gpt-4o-2024-08-06', usage, finishReason = 'stop', refusal = null, toolCalls } = {}) {
  const message = { role: 'assistant', content: refusal ? null : content, refusal };
  if (toolCalls) {
    message.tool_calls = toolCallsOf(toolCalls);
    if (content === '') message.content = null;
    if (finishReason === 'stop') finishReason = 'tool_calls';
  }
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: finishReason,
      },
    ],
    usage: usage ?? { prompt_tokens: 11, completion_tokens: 22, total_tokens: 33 },
    system_fingerprint: 'fp_fake',
  };
}

// The SSE chunks (objects) of a streamed completion.
export function streamChunks(content, { id = 'chatcmpl-fake-1', model = 'gpt-4o-2024-08-06', usage, finishReason = 'stop', chunkSize = 8, refusal = null, toolCalls } = {}) {
  const created = Math.floor(Date.now() / 1000);
  const base = { id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_fake' };
  const chunks = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: toolCalls ? null : '' }, logprobs: null, finish_reason: null }] }];
  const delta = (d) => chunks.push({ ...base, choices: [{ index: 0, delta: d, logprobs: null, finish_reason: null }] });
  if (toolCalls) {
    for (let i = 0; i < content.length; i += chunkSize) delta({ content: content.slice(i, i + chunkSize) });
    toolCallsOf(toolCalls).forEach((c, index) => {
      if (c?.function === undefined) return delta({ tool_calls: [c] });
      const args = c.function.arguments ?? '';
      delta({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] });
      for (let i = 0; i < args.length; i += chunkSize) delta({ tool_calls: [{ index, function: { arguments: args.slice(i, i + chunkSize) } }] });
    });
    if (finishReason === 'stop') finishReason = 'tool_calls';
  } else if (refusal) {
    chunks.push({ ...base, choices: [{ index: 0, delta: { refusal }, logprobs: null, finish_reason: null }] });
  } else {
    for (let i = 0; i < content.length; i += chunkSize) {
      chunks.push({ ...base, choices: [{ index: 0, delta: { content: content.slice(i, i + chunkSize) }, logprobs: null, finish_reason: null }] });
    }
  }
  chunks.push({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }] });
  chunks.push({ ...base, choices: [], usage: usage ?? { prompt_tokens: 11, completion_tokens: 22, total_tokens: 33 } });
  return chunks;
}

// Resolves when res can take more data or is gone.
function drained(res) {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

const textOf = (content) => (typeof content === 'string' ? content : JSON.stringify(content));

export class FakeOpenAI {
  constructor() {
    this.requests = [];
    this.queue = [];
    this.otherwise = { auto: true };
    this.server = null;
    this.sockets = new Set();
    this.waiters = new Waiters('fake_openai', () => `${this.requests.length} requests`);
    this.port = 0;
    this.inflight = 0; // requests not answered yet
    this.maxInflight = 0;
  }

  // The base URL a client puts /chat/completions after.
  get base() {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}/v1`;
  }

  script(answers, otherwise = { auto: true }) {
    this.queue = [...answers];
    this.otherwise = otherwise;
    return this;
  }

  async start(host = '127.0.0.1') {
    this.host = host;
    const server = http.createServer((req, res) => {
      this.#handle(req, res).catch((e) => {
        try {
          res.writeHead(599);
          res.end(`fake_openai: ${e.stack}`);
        } catch {}
      });
    });
    server.keepAliveTimeout = 60000;
    server.on('connection', (sock) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, resolve);
    });
    this.server = server;
    this.port = server.address().port;
    return this;
  }

  async stop() {
    if (!this.server) return;
    const s = this.server;
    this.server = null;
    const closed = new Promise((r) => s.close(r));
    for (const sock of this.sockets) sock.destroy();
    this.sockets.clear();
    await closed;
  }

  // Resolves when pred(fake) holds; rejects after ms.
  waitFor(pred, ms = 30000, what = 'a condition') {
    return this.waiters.waitFor(this, pred, ms, what);
  }

  #notify() {
    this.waiters.notify(this);
  }


  async #handle(req, res) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString('utf8');
    const rec = { at: Date.now(), method: req.method, path: req.url, headers: { ...req.headers }, raw, body: null, parseError: null, answer: null };
    try {
      rec.body = JSON.parse(raw);
    } catch (e) {
      rec.parseError = String(e.message);
    }
    this.requests.push(rec);
    this.inflight += 1;
    this.maxInflight = Math.max(this.maxInflight, this.inflight);
    res.on('close', () => {
      this.inflight -= 1;
    });
    this.#notify();

    if (req.method !== 'POST' || req.url.split('?')[0] !== '/v1/chat/completions') {
      return this.#send(res, 404, { error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error' } });
    }
    if (rec.parseError) {
      return this.#send(res, 400, { error: { message: `body is not JSON: ${rec.parseError}`, type: 'invalid_request_error' } });
    }
    let answer = this.queue.length ? this.queue.shift() : this.otherwise;
    if (typeof answer === 'function') answer = answer(rec, this) ?? { auto: true };
    rec.answer = answer;
    if (answer.delayMs) await sleep(answer.delayMs);
    if (answer.hang) return; // never answered; stop() destroys the socket
    const stream = rec.body.stream === true;

    if (answer.status !== undefined) {
      const body = answer.body ?? { error: { message: `status ${answer.status}`, type: 'server_error' } };
      return this.#send(res, answer.status, body, answer.headers);
    }
    if (answer.json !== undefined) return this.#send(res, 200, answer.json, answer.headers);
    if (answer.sse) return this.#sse(res, answer.sse.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))), { done: false });
    if (answer.hugeBytes) {
      const body = JSON.stringify(completion('x'.repeat(answer.hugeBytes)));
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      // In pieces, so a client that gives up early stops the transfer.
      for (let i = 0; i < body.length && !res.destroyed; i += 1 << 20) {
        if (!res.write(body.slice(i, i + (1 << 20)))) await drained(res);
      }
      if (!res.destroyed) res.end();
      return;
    }

    let content;
    if (answer.toolCalls) {
      content = answer.content === undefined ? '' : textOf(answer.content);
    } else if (answer.auto) {
      const schema = schemaOf(rec.body);
      content = JSON.stringify(schema ? sampleFor(schema) : { answer: 'no schema' });
    } else {
      content = textOf(answer.content ?? '');
    }
    const meta = { id: answer.id, model: answer.model, usage: answer.usage, finishReason: answer.finishReason, refusal: answer.refusal, chunkSize: answer.chunkSize, toolCalls: answer.toolCalls };
    for (const k of Object.keys(meta)) if (meta[k] === undefined) delete meta[k];
    if (stream) {
      const payloads = streamChunks(content, meta).map((c) => JSON.stringify(c));
      if (answer.cut !== undefined) return this.#sse(res, payloads.slice(0, answer.cut), { done: false, destroy: true });
      if (answer.stall !== undefined) return this.#sse(res, payloads.slice(0, answer.stall), { done: false, hold: true });
      return this.#sse(res, payloads, { done: !answer.noDone, crlf: answer.crlf, comments: answer.comments });
    }
    const body = JSON.stringify(completion(content, meta));
    if (answer.cut !== undefined) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.write(body.slice(0, Math.floor(body.length / 2)));
      await sleep(50);
      res.destroy();
      return;
    }
    return this.#send(res, 200, body);
  }

  #send(res, status, body, headers = {}) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    try {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(text);
    } catch {}
  }

  async #sse(res, payloads, { done, destroy = false, hold = false, crlf = false, comments = false }) {
    const nl = crlf ? '\r\n' : '\n';
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    for (const p of payloads) {
      if (res.destroyed) return;
      if (comments) res.write(`: keep-alive${nl}${nl}event: message${nl}`);
      res.write(`data: ${p}${nl}${nl}`);
      await sleep(5);
    }
    if (destroy) {
      await sleep(50);
      res.socket?.destroy();
      res.destroy();
      return;
    }
    if (hold) return; // stalls mid-stream until stop()
    if (done) res.write(`data: [DONE]${nl}${nl}`);
    res.end();
  }
}

// A started fake, stopped after the test.
export async function startFake(t, { host } = {}) {
  const f = await new FakeOpenAI().start(host);
  if (t) t.after(() => f.stop());
  return f;
}

// A port nothing listens on (for connection-refused cases).
export async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}
