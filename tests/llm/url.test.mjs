// The model server's address on the spans (server.address / server.port)
// for the URL forms a user writes in OPENAI_BASE_URL: an IPv6 literal, and
// credentials in the URL (a proxy behind basic auth), which are a secret like
// the API key: never on a span, stdout or stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { run, startFake, allSpans, spansAsText, attr, callSpans, PIZZA } from './helpers.mjs';

async function ipv6Available() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}

test('an IPv6 base URL: the request arrives; server.address is the address, server.port the port', async (t) => {
  if (!(await ipv6Available())) {
    t.skip('no IPv6 loopback on this machine');
    return;
  }
  const fake = await startFake(t, { host: '::1' });
  fake.script([{ content: PIZZA }]);
  const r = await run(t, fake, 'single');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 1);
  const [c] = callSpans(await allSpans(r.db));
  assert.equal(attr(c.attributes, 'server.port'), fake.port, `server.port of ${fake.base}`);
  assert.ok(['::1', '[::1]'].includes(attr(c.attributes, 'server.address')), `server.address of ${fake.base}: ${attr(c.attributes, 'server.address')}`);
});

test('credentials in the base URL reach the server but never a span, stdout or stderr', async (t) => {
  const fake = await startFake(t);
  const secret = 'url-pass-Q8v2Kx';
  const base = fake.base.replace('http://', `http://flockuser:${secret}@`);
  // One success, then a failing run whose error names the URL.
  fake.script([{ content: PIZZA }], { status: 500, body: { error: { message: 'proxy down' } } });
  const ok = await run(t, fake, 'single', [], { env: { OPENAI_BASE_URL: base } });
  assert.equal(ok.summary.ok, true, JSON.stringify(ok.summary.errors));
  assert.equal(fake.requests.length, 1, 'the request reached the server');
  const bad = await run(t, fake, 'single', ['max_retries=0'], { env: { OPENAI_BASE_URL: base } });
  assert.equal(bad.summary.ok, false);
  assert.match(bad.summary.errors[0].message, /proxy down/);

  for (const r of [ok, bad]) {
    const [c] = callSpans(await allSpans(r.db));
    assert.equal(attr(c.attributes, 'server.address'), '127.0.0.1', 'server.address is the host only');
    assert.equal(attr(c.attributes, 'server.port'), fake.port);
    const text = await spansAsText(r.db);
    assert.ok(!text.includes(secret), `the URL password is in a span:\n${text.split('\n').filter((l) => l.includes(secret)).join('\n')}`);
    assert.ok(!r.stdout.includes(secret), `the URL password is on stdout:\n${r.stdout}`);
    assert.ok(!r.stderr.includes(secret), `the URL password is on stderr:\n${r.stderr}`);
  }
});

test('a base URL without a port: server.port is the scheme default', async (t) => {
  const fake = await startFake(t);
  // Unreachable on purpose (port 80 of a reserved TEST-NET address is not
  // asked for long): only the span's address and port matter here.
  const r = await run(t, fake, 'single', ['base_url=http://192.0.2.1/v1', 'timeout_ms=300', 'max_retries=0']);
  assert.equal(r.summary.ok, false);
  const [c] = callSpans(await allSpans(r.db));
  assert.equal(attr(c.attributes, 'server.address'), '192.0.2.1');
  assert.equal(attr(c.attributes, 'server.port'), 80);
});
