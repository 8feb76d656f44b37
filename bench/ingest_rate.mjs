// OTLP ingest rate: spans sent by the OpenTelemetry JS SDK's protobuf
// exporter over loopback to `flock dashboard`, counted when stored in its
// file, against the local-span pipeline writing the same number of spans to
// a file in the same run (flock_targets_bench --local-rate). Prints a table.
//   node bench/ingest_rate.mjs <flock binary> <flock_targets_bench binary> [spans] [runs]
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const [flockBin, benchBin, spansArg, runsArg] = process.argv.slice(2);
if (!flockBin || !benchBin) {
  console.error('usage: node bench/ingest_rate.mjs <flock> <flock_targets_bench> [spans=100000] [runs=3]');
  process.exit(2);
}
const N = Number(spansArg ?? 100000);
const RUNS = Number(runsArg ?? 3);
const here = path.dirname(fileURLToPath(import.meta.url));
const otel = createRequire(path.join(here, '..', 'tests', 'otlp', 'package.json'));
const { BasicTracerProvider, BatchSpanProcessor } = otel('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = otel('@opentelemetry/resources');
const ProtoExporter = otel('@opentelemetry/exporter-trace-otlp-proto').OTLPTraceExporter;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flock-ingest-bench-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function startHub(db) {
  const child = spawn(flockBin, ['dashboard', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const port = await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/dashboard at http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (c) => reject(new Error(`flock dashboard exited ${c}`)));
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

async function stored(base) {
  const r = await fetch(`${base}/api/traces/stats`);
  return r.ok ? (await r.json()).total_spans : 0;
}

async function ingestRun(k) {
  const hub = await startHub(path.join(dir, `hub-${k}.duckdb`));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'ingest-bench' }),
    spanProcessors: [
      // The SDK refuses an export past its in-flight limit (default 30) and
      // the loop below outruns it, so every batch may be in flight at once.
      new BatchSpanProcessor(new ProtoExporter({ url: `${hub.base}/v1/traces`, concurrencyLimit: Math.ceil(N / 2048) + 1 }), {
        maxQueueSize: N,
        maxExportBatchSize: 2048,
        scheduledDelayMillis: 50,
      }),
    ],
  });
  const exited = new Promise((r) => hub.child.on('exit', r));
  try {
    const tracer = provider.getTracer('bench');
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const s = tracer.startSpan('Agent.execute', { attributes: { 'agent.name': 'chef', n: i } });
      s.end();
      if (i % 8192 === 8191) await sleep(0); // let the exporter run, as a service's event loop would
    }
    await provider.forceFlush();
    while ((await stored(hub.base)) < N) await sleep(20);
    const ms = performance.now() - t0;
    await provider.shutdown();
    return ms;
  } finally {
    hub.child.kill('SIGTERM'); // also when the SDK failed, so no server outlives the benchmark
    await exited;
  }
}

function localRun(k) {
  const out = execFileSync(benchBin, ['--local-rate', path.join(dir, `local-${k}.duckdb`), String(N)]);
  return Number(String(out).trim());
}

const local = [];
const ingest = [];
for (let k = 0; k < RUNS; k++) {
  local.push(localRun(k)); // interleaved, so both see the same machine
  ingest.push(await ingestRun(k));
}
fs.rmSync(dir, { recursive: true, force: true });
const l = N / (median(local) / 1000);
const g = N / (median(ingest) / 1000);
console.log(`\n${N} spans with 2 attributes, ${RUNS} interleaved runs, medians`);
console.log('measure                                   | spans/s  | ratio');
console.log('----------------------------------------- | -------- | -----');
console.log(`local spans -> file (baseline)            | ${l.toFixed(0).padStart(8)} | 1.00x`);
console.log(`JS SDK OTLP/proto -> flock dashboard file | ${g.toFixed(0).padStart(8)} | ${(g / l).toFixed(2)}x (target >= 0.5x)`);
