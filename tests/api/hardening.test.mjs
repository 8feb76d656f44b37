// Hostile requests against a running `flock dashboard` and a Flock's own
// server: raw static paths as curl --path-as-is sends them, SQL that would
// fetch extensions or run for long, and query parameters that are not UTF-8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startDashboard, startDemo, finishedStore, cli, api, assertError, getJson } from './helpers.mjs';

const TOKEN = 'hardening-token-value';

// One request with the target bytes exactly as given (no client-side
// normalisation, like curl --path-as-is); resolves { status, body }.
function rawGet(port, target, headers = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    sock.setTimeout(30000, () => sock.destroy(new Error('no answer within 30 s')));
    sock.on('data', (d) => (data = Buffer.concat([data, d])));
    sock.on('error', reject);
    sock.on('close', () => {
      const text = data.toString('latin1');
      const m = text.match(/^HTTP\/1\.1 (\d{3})/);
      if (!m) return reject(new Error(`no HTTP answer to ${target}: ${JSON.stringify(text.slice(0, 200))}`));
      resolve({ status: Number(m[1]), text });
    });
    const all = { Host: `127.0.0.1:${port}`, ...headers, Connection: 'close' };
    const lines = Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    sock.write(Buffer.concat([Buffer.from('GET '), Buffer.from(target, 'latin1'),
      Buffer.from(` HTTP/1.1\r\n${lines}\r\n`)]));
  });
}

// A web root with the dashboard's shape and, beside it, files that must stay out of reach.
function webRoot(dir) {
  const web = path.join(dir, 'web');
  fs.mkdirSync(path.join(web, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(web, 'index.html'), '<html>the dashboard</html>');
  fs.writeFileSync(path.join(web, 'assets', 'app.js'), 'console.log("app")');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'TOP-SECRET-CONTENT');
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(web, 'leak.txt'));
  fs.symlinkSync('/etc', path.join(web, 'etc'));
  return web;
}

const ATTACKS = [
  '//etc/passwd', '///etc/passwd', '/%2fetc%2fpasswd', '/%2Fetc/passwd', '//proc/self/environ',
  '/%2fproc%2fself%2fenviron', '/../secret.txt', '/../../../../etc/passwd', '/assets/../../secret.txt',
  '/%2e%2e/secret.txt', '/%2E%2E/%2E%2E/etc/passwd', '/..%2fsecret.txt', '/..%2F..%2F..%2Fetc%2Fpasswd',
  '/%252e%252e/secret.txt', '/%252fetc%252fpasswd', '/..%252f..%252fsecret.txt', '/.%2e/secret.txt',
  '/..\\secret.txt', '/%5c..%5csecret.txt', '/index.html%00.js', '/leak.txt', '/etc/passwd',
  '/assets/%2e%2e/%2e%2e/secret.txt', '/./index.html', '/assets//app.js',
];

test('static files: only the web root, whatever the encoding, link or token', async (t) => {
  const tmp = await finishedStore(t, { runs: 1 });
  const web = webRoot(tmp.dir);
  const s = await startDashboard(t, tmp.db, { extraEnv: { FLOCK_WEB_ROOT: web, FLOCK_API_TOKEN: TOKEN } });
  const port = Number(new URL(s.base).port);

  const index = await rawGet(port, '/');
  assert.equal(index.status, 200);
  assert.match(index.text, /the dashboard/);
  assert.equal((await rawGet(port, '/assets/app.js')).status, 200);

  for (const target of ATTACKS) {
    for (const headers of [{}, { Authorization: `Bearer ${TOKEN}` }]) {
      const r = await rawGet(port, target, headers);
      assert.equal(r.status, 404, `${target} ${JSON.stringify(headers)} answered ${r.status}`);
      assert.doesNotMatch(r.text, /root:x:0:0|TOP-SECRET|FLOCK_API_TOKEN|hardening-token/, target);
    }
  }
  // The API still needs the token; the guard runs before any file is read.
  assertError(await api(s.base, '/api/traces'), 401, /Bearer/);
  assert.equal((await rawGet(port, '/', { Host: 'evil.example' })).status, 403);
});

test('SQL: no extension is fetched or loaded, a long scalar is answered at the limit', async (t) => {
  const tmp = await finishedStore(t, { runs: 1 });
  const home = path.join(tmp.dir, 'home');
  fs.mkdirSync(home);
  const s = await startDashboard(t, tmp.db, { extraEnv: { HOME: home } });
  const q = (sql) => api(s.base, '/api/traces/query', { method: 'POST', json: { sql } });

  // A function of an extension: 400 (unknown here), or 403 for a table
  // function off the reviewed list; never advice to install it.
  for (const [sql, status] of [["SELECT text(1.5, '0.0')", 400], ["SELECT * FROM sqlite_scan('x.db', 't')", 403]]) {
    const r = await q(sql);
    assert.equal(r.status, status, `${sql}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(typeof r.body.error, 'string');
    assert.doesNotMatch(r.body.error, /INSTALL/);
  }
  for (const sql of ['INSTALL excel', 'LOAD excel', "SET autoinstall_known_extensions = true",
    "SELECT * FROM read_text('/etc/passwd')"]) {
    assertError(await q(sql), 403, /./, sql);
  }
  const secret = await q("CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')");
  assert.ok([400, 403].includes(secret.status), `CREATE SECRET: ${secret.status}`);

  const started = Date.now();
  // Seconds inside one call of regexp_replace (a chunk of 2048 rows), which
  // DuckDB does not interrupt; three chunks, so that the whole query stays
  // well past the 5 s limit on an idle, fast machine too (one chunk alone
  // took 4.8 s on one).
  const slow = await q("SELECT max(length(regexp_replace(repeat('x', 8192) || repeat('x', 8192) || repeat('x', 8192) || r::VARCHAR, '(a|b|c|x)*?x', 'yy', 'g'))) AS n FROM range(6144) t(r)");
  assertError(slow, 408, /5000 ms/);
  assert.ok(Date.now() - started < 15000, `answered after ${Date.now() - started} ms`);
  // The server goes on answering while DuckDB finishes that call.
  assert.deepEqual((await api(s.base, '/api/health')).body, { status: 'ok' });
  assert.equal((await q('SELECT count(*) AS n FROM spans')).status, 200);
  assert.ok(!fs.existsSync(path.join(home, '.duckdb')), 'DuckDB wrote under $HOME');
});

test('flock traces query: the same seal with a fresh HOME', async (t) => {
  const tmp = await finishedStore(t, { runs: 1 });
  const home = path.join(tmp.dir, 'home');
  fs.mkdirSync(home);
  const r = await cli(t, ['traces', 'query', "SELECT text(1.5, '0.0')", tmp.db], { extraEnv: { HOME: home } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /excel|text/);
  assert.ok(!fs.existsSync(path.join(home, '.duckdb')), 'DuckDB wrote under $HOME');
});

test('query parameters: invalid UTF-8 and over-long values are 400, never 500', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const port = Number(new URL(s.base).port);
  for (const name of ['q', 'workflow', 'service', 'operation', 'correlation_id', 'tag']) {
    for (const value of ['%ff', '%c3%28', '%ed%a0%80', '%f8%88%80%80%80', '%c0%af']) {
      const r = await rawGet(port, `/api/traces?${name}=${value}`);
      assert.equal(r.status, 400, `${name}=${value}: ${r.status}`);
      assert.match(r.text, /UTF-8/);
    }
    const long = await rawGet(port, `/api/traces?${name}=${'a'.repeat(5000)}`);
    assert.equal(long.status, 400, `${name} of 5000 bytes`);
  }
  // Valid UTF-8 beyond ASCII is fine.
  assert.equal((await rawGet(port, '/api/traces?q=%C3%A9t%C3%A9')).status, 200);
  const stats = await getJson(s.base, '/api/traces/stats');
  assert.equal(typeof stats.writer.bytes_pending, 'number');
  assert.equal(stats.writer.max_pending_bytes, 256 * 1024 * 1024);
});
