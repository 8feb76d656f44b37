// A fake OpenTelemetry Collector for the tests: a real HTTP server on
// 127.0.0.1 that accepts OTLP/HTTP trace exports, decodes them with an
// implementation independent of flock, records every request and answers as
// each test scripts it.
//
// - protobuf (Content-Type application/x-protobuf): decoded by the
//   OpenTelemetry JavaScript SDK's generated protobufjs code
//   (@opentelemetry/otlp-transformer, ExportTraceServiceRequest.decode).
// - JSON (application/json): checked field by field against the OTLP/JSON
//   rules of the specification (lowerCamelCase field names of the .proto,
//   hex trace/span ids, integer enums, 64-bit integers as decimal strings),
//   then read.
// - Content-Encoding: gzip is inflated first.
//
// Both decoders give the same normalized shape: ids as lowercase hex, 64-bit
// integers as BigInt, attributes as { key: value } (arrays as JS arrays).
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { Waiters } from '../support/node_harness.mjs';

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

// ---------------------------------------------------------------------------
// OTLP/JSON: the message fields of opentelemetry/proto (trace, common,
// resource, collector) with their protobuf types, written from the .proto
// files of the specification. JSON names are the lowerCamelCase of the
// field names.
const I64 = 'int64'; // int64, uint64, fixed64, sfixed64: decimal strings in JSON
const SCHEMA = {
  ExportTraceServiceRequest: { resourceSpans: ['ResourceSpans', true] },
  ResourceSpans: { resource: ['Resource'], scopeSpans: ['ScopeSpans', true], schemaUrl: ['string'] },
  Resource: { attributes: ['KeyValue', true], droppedAttributesCount: ['uint32'], entityRefs: ['EntityRef', true] },
  EntityRef: { schemaUrl: ['string'], type: ['string'], idKeys: ['string', true], descriptionKeys: ['string', true] },
  ScopeSpans: { scope: ['InstrumentationScope'], spans: ['Span', true], schemaUrl: ['string'] },
  InstrumentationScope: {
    name: ['string'],
    version: ['string'],
    attributes: ['KeyValue', true],
    droppedAttributesCount: ['uint32'],
  },
  Span: {
    traceId: ['traceId'],
    spanId: ['spanId'],
    traceState: ['string'],
    parentSpanId: ['parentSpanId'],
    flags: ['fixed32'],
    name: ['string'],
    kind: ['enum'],
    startTimeUnixNano: [I64],
    endTimeUnixNano: [I64],
    attributes: ['KeyValue', true],
    droppedAttributesCount: ['uint32'],
    events: ['Event', true],
    droppedEventsCount: ['uint32'],
    links: ['Link', true],
    droppedLinksCount: ['uint32'],
    status: ['Status'],
  },
  Event: { timeUnixNano: [I64], name: ['string'], attributes: ['KeyValue', true], droppedAttributesCount: ['uint32'] },
  Link: {
    traceId: ['traceId'],
    spanId: ['spanId'],
    traceState: ['string'],
    attributes: ['KeyValue', true],
    droppedAttributesCount: ['uint32'],
    flags: ['fixed32'],
  },
  Status: { message: ['string'], code: ['enum'] },
  KeyValue: { key: ['string'], value: ['AnyValue'] },
  AnyValue: {
    stringValue: ['string'],
    boolValue: ['bool'],
    intValue: [I64],
    doubleValue: ['double'],
    arrayValue: ['ArrayValue'],
    kvlistValue: ['KeyValueList'],
    bytesValue: ['bytes'],
  },
  ArrayValue: { values: ['AnyValue', true] },
  KeyValueList: { values: ['KeyValue', true] },
};

// Throws with the JSON path of the first violation of the OTLP/JSON rules.
export function checkOtlpJson(value, type = 'ExportTraceServiceRequest', where = '$') {
  const fields = SCHEMA[type];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${where}: ${type} must be a JSON object`);
  }
  if (type === 'AnyValue') {
    const set = Object.keys(value);
    if (set.length > 1) throw new Error(`${where}: AnyValue has more than one value (${set.join(', ')})`);
  }
  for (const [key, v] of Object.entries(value)) {
    const f = fields[key];
    if (!f) throw new Error(`${where}.${key}: not a field of ${type} (OTLP/JSON uses the lowerCamelCase names of the .proto)`);
    const [ftype, repeated] = f;
    const path = `${where}.${key}`;
    if (repeated) {
      if (!Array.isArray(v)) throw new Error(`${path}: repeated field must be an array`);
      v.forEach((e, i) => checkScalarOrMessage(e, ftype, `${path}[${i}]`));
    } else {
      checkScalarOrMessage(v, ftype, path);
    }
  }
}

function checkScalarOrMessage(v, ftype, path) {
  switch (ftype) {
    case 'string':
      if (typeof v !== 'string') throw new Error(`${path}: string expected, got ${JSON.stringify(v)}`);
      return;
    case 'bool':
      if (typeof v !== 'boolean') throw new Error(`${path}: boolean expected, got ${JSON.stringify(v)}`);
      return;
    case I64:
      if (typeof v !== 'string' || !/^-?[0-9]+$/.test(v)) {
        throw new Error(`${path}: a 64-bit integer is a decimal string in OTLP/JSON, got ${JSON.stringify(v)}`);
      }
      return;
    case 'uint32':
    case 'fixed32':
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`${path}: 32-bit unsigned integer expected, got ${JSON.stringify(v)}`);
      return;
    case 'enum':
      if (!Number.isInteger(v)) throw new Error(`${path}: enums are integers in OTLP/JSON, got ${JSON.stringify(v)}`);
      return;
    case 'double':
      if (typeof v !== 'number' && !['NaN', 'Infinity', '-Infinity'].includes(v)) {
        throw new Error(`${path}: number expected, got ${JSON.stringify(v)}`);
      }
      return;
    case 'bytes':
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/=_-]*$/.test(v)) throw new Error(`${path}: base64 string expected`);
      return;
    case 'traceId':
      if (typeof v !== 'string' || !/^[0-9a-fA-F]{32}$/.test(v)) throw new Error(`${path}: trace id must be 32 hex characters, got ${JSON.stringify(v)}`);
      return;
    case 'spanId':
      if (typeof v !== 'string' || !/^[0-9a-fA-F]{16}$/.test(v)) throw new Error(`${path}: span id must be 16 hex characters, got ${JSON.stringify(v)}`);
      return;
    case 'parentSpanId':
      // An empty parentSpanId is the protobuf default (a root).
      if (typeof v !== 'string' || !/^([0-9a-fA-F]{16})?$/.test(v)) throw new Error(`${path}: span id must be 16 hex characters, got ${JSON.stringify(v)}`);
      return;
    default:
      checkOtlpJson(v, ftype, path);
  }
}

// ---------------------------------------------------------------------------
// Normalization (both protocols).

const hex = (v) => {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v.toLowerCase(); // JSON: already hex
  return Buffer.from(v).toString('hex');
};
const big = (v) => (v === undefined || v === null ? 0n : BigInt(String(v)));

function anyValue(v) {
  if (v === undefined || v === null) return undefined;
  if ('stringValue' in v && v.stringValue !== undefined) return v.stringValue;
  if ('boolValue' in v && v.boolValue !== undefined) return v.boolValue;
  if ('intValue' in v && v.intValue !== undefined) return big(v.intValue);
  if ('doubleValue' in v && v.doubleValue !== undefined) return typeof v.doubleValue === 'string' ? Number(v.doubleValue) : v.doubleValue;
  if ('arrayValue' in v && v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(anyValue);
  if ('kvlistValue' in v && v.kvlistValue !== undefined) return attributes(v.kvlistValue.values);
  if ('bytesValue' in v && v.bytesValue !== undefined) return Buffer.from(v.bytesValue);
  return undefined;
}

// [{key, value}] -> { key: value }; a repeated key is an error worth seeing.
function attributes(list) {
  const out = {};
  for (const kv of list ?? []) {
    if (Object.prototype.hasOwnProperty.call(out, kv.key)) out[`${kv.key}#duplicate`] = anyValue(kv.value);
    else out[kv.key] = anyValue(kv.value);
  }
  return out;
}

// ExportTraceServiceRequest (decoded object) -> flat list of spans, each
// with its resource and scope.
function normalize(req) {
  const spans = [];
  for (const rs of req.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      const scope = { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '' };
      for (const s of ss.spans ?? []) {
        spans.push({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          traceState: s.traceState ?? '',
          flags: s.flags ?? 0,
          name: s.name ?? '',
          kind: s.kind ?? 0,
          startTimeUnixNano: big(s.startTimeUnixNano),
          endTimeUnixNano: big(s.endTimeUnixNano),
          attributes: attributes(s.attributes),
          droppedAttributesCount: s.droppedAttributesCount ?? 0,
          events: (s.events ?? []).map((e) => ({
            name: e.name ?? '',
            timeUnixNano: big(e.timeUnixNano),
            attributes: attributes(e.attributes),
          })),
          links: (s.links ?? []).map((l) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId), attributes: attributes(l.attributes) })),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
          resource,
          scope,
        });
      }
    }
  }
  return spans;
}

export function decodeProtobuf(buf) {
  const msg = ExportTraceServiceRequest.decode(buf);
  const obj = ExportTraceServiceRequest.toObject(msg, { longs: String, enums: Number, arrays: true });
  return normalize(obj);
}

export function decodeJson(buf) {
  const text = buf.toString('utf8');
  const obj = JSON.parse(text);
  checkOtlpJson(obj);
  return normalize(obj);
}

// ---------------------------------------------------------------------------
// The server.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A port nobody listens on (for "receiver down").
export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Starts a receiver. Responses are scripted with respond(...): a list of
// answers used one per request, in order, then `otherwise` (200 by default).
// An answer: { status, headers, body, delayMs, hold } — hold keeps the
// request open until release() (or stop()).
export class Receiver {
  constructor() {
    this.requests = [];
    this.script = [];
    this.otherwise = { status: 200 };
    this.port = 0;
    this.server = null;
    this.sockets = new Set();
    this.held = [];
    this.waiters = new Waiters('receiver', () => `${this.requests.length} requests, ${this.spans.length} spans`);
  }

  get base() {
    return `http://127.0.0.1:${this.port}`;
  }

  respond(answers, otherwise = { status: 200 }) {
    this.script = [...answers];
    this.otherwise = otherwise;
  }

  async start(port = 0) {
    const server = http.createServer((req, res) => this.#handle(req, res));
    server.keepAliveTimeout = 60000;
    server.on('connection', (sock) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    this.server = server;
    this.port = server.address().port;
    return this;
  }

  // Stops listening and cuts every open connection (the collector dies).
  async stop() {
    if (!this.server) return;
    const s = this.server;
    this.server = null;
    this.release();
    const closed = new Promise((r) => s.close(r));
    for (const sock of this.sockets) sock.destroy();
    this.sockets.clear();
    await closed;
  }

  // Answers every held request now.
  release() {
    for (const h of this.held.splice(0)) h();
  }

  get spans() {
    return this.requests.flatMap((r) => r.spans ?? []);
  }

  // Resolves when pred(receiver) is true; rejects after ms.
  waitFor(pred, ms = 60000, what = 'a condition') {
    return this.waiters.waitFor(this, pred, ms, what);
  }

  #notify() {
    this.waiters.notify(this);
  }


  async #handle(req, res) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks);
    const rec = {
      at: Date.now(),
      method: req.method,
      path: req.url,
      headers: { ...req.headers },
      contentType: (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase(),
      contentEncoding: (req.headers['content-encoding'] ?? '').toLowerCase(),
      rawLength: raw.length,
      spans: null,
      error: null,
      answered: null,
    };
    this.requests.push(rec);
    let decodeStatus = 0;
    if (req.method !== 'POST') {
      rec.error = `method ${req.method}`;
      decodeStatus = 405;
    } else {
      try {
        let body = raw;
        if (rec.contentEncoding === 'gzip') body = zlib.gunzipSync(raw);
        else if (rec.contentEncoding && rec.contentEncoding !== 'identity') throw new Error(`unsupported Content-Encoding ${rec.contentEncoding}`);
        rec.body = body;
        if (rec.contentType === 'application/x-protobuf') {
          rec.protocol = 'http/protobuf';
          rec.spans = decodeProtobuf(body);
        } else if (rec.contentType === 'application/json') {
          rec.protocol = 'http/json';
          rec.json = JSON.parse(body.toString('utf8'));
          rec.spans = decodeJson(body);
        } else {
          decodeStatus = 415;
          throw new Error(`unsupported Content-Type ${rec.contentType}`);
        }
      } catch (e) {
        rec.error = String(e && e.message ? e.message : e);
        if (!decodeStatus) decodeStatus = 400;
      }
    }
    this.#notify();
    const answer = decodeStatus ? { status: decodeStatus, body: rec.error } : (this.script.shift() ?? this.otherwise);
    rec.answered = answer.status;
    if (answer.delayMs) await sleep(answer.delayMs);
    if (answer.hold) await new Promise((r) => this.held.push(r));
    if (res.destroyed) return;
    const json = rec.contentType === 'application/json';
    let body = answer.body;
    if (body === undefined) body = answer.status === 200 ? (json ? '{}' : Buffer.alloc(0)) : `status ${answer.status}`;
    const headers = { 'Content-Type': json ? 'application/json' : answer.status === 200 ? 'application/x-protobuf' : 'text/plain', ...(answer.headers ?? {}) };
    try {
      res.writeHead(answer.status, headers);
      res.end(body);
    } catch {}
  }
}

// A started receiver, stopped after the test.
export async function startReceiver(t, { port = 0 } = {}) {
  const r = await new Receiver().start(port);
  if (t) t.after(() => r.stop());
  return r;
}
