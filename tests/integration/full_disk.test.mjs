// A disk that fills while a program traces, and gets room back: the writer
// resumes once there is space (DuckDB invalidates a database after a failed
// write, so the instance is opened again), the store is never moved aside,
// and after shutdown every span ended is exported, lost or dropped.
// Needs root for a small tmpfs; skipped otherwise.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { tempDir, startScenario, scenarioEnv, sleep } from './helpers.mjs';
import { withDb } from '../support/node_harness.mjs';

function mountTmpfs(dir, size) {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function fill(file, mb) {
  fs.writeFileSync(file, Buffer.alloc(mb * 1024 * 1024, 0x66));
}

const count = (db) => withDb(db, async (q) => Number((await q('SELECT count(*) AS n FROM spans'))[0].n));

test('a full disk mid-run: writing resumes when room comes back; counters add up after shutdown', async (t) => {
  const tmp = tempDir(t);
  const disk = path.join(tmp.dir, 'disk');
  fs.mkdirSync(disk);
  if (!mountTmpfs(disk, '8m')) {
    t.skip('mounting a tmpfs needs root and mount(8)');
    return;
  }
  try {
    await fillAndFree(t, tmp, disk);
  } finally {
    // Before the temp folder is removed (its own after-hook).
    execFileSync('umount', ['-l', disk], { stdio: 'ignore' });
  }
});

async function fillAndFree(t, tmp, disk) {
  // About 1.5 MB left; 3 MB come back later.
  fill(path.join(disk, 'filler-a'), 3);
  fill(path.join(disk, 'filler-b'), 3);
  const db = path.join(disk, 'traces.duckdb');
  const h = startScenario(t, ['trace_then_shutdown', '6'], {
    // Drop rather than wait once the queue is full, so the program ends on time.
    env: scenarioEnv(db, { FLOCK_TRACE_FLUSH_MS: '50', FLOCK_TRACE_QUEUE_POLICY: 'drop' }),
    cwd: tmp.dir,
  });
  // Until the disk is full: the writer reports that it cannot write.
  const until = Date.now() + 60000;
  while (!/cannot write/.test(h.stderr) && Date.now() < until && h.child.exitCode === null) await sleep(50);
  assert.match(h.stderr, /cannot write/, 'the disk filled');
  const before = await count(db);
  fs.rmSync(path.join(disk, 'filler-b'));
  const r = await h.exited;
  assert.equal(r.code, 0, r.stderr);
  const after = await count(db);
  assert.ok(after > before, `writing resumed after room came back: ${before} spans before, ${after} after\n${r.stderr}`);
  assert.deepEqual(fs.readdirSync(disk).filter((n) => n.includes('.unusable-')), [], 'the store was not moved aside');
  const last = r.lines.find((l) => l.after_shutdown);
  assert.ok(last, 'counters after shutdown');
  assert.equal(last.ended, last.exported + last.lost + last.dropped,
    `ended ${last.ended} = exported ${last.exported} + lost ${last.lost} + dropped ${last.dropped} (pending ${last.pending})`);
  assert.ok(last.exported >= after, `${after} stored, ${last.exported} counted exported`);
}
