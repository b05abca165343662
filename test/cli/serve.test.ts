import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { writeReport } from '../../src/report/write-report.js';
import { makeRunFixture, type RunFixture } from '../report/fixture.js';

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('netdissect serve', () => {
  // Two runs, so no test depends on another having written (or not) the report.
  let bare: RunFixture; // no report
  let fx: RunFixture; // its report written
  before(async () => {
    const options = { layers: [{ name: 'conv', dir: 'conv', units: 2, h: 3, w: 3 }], images: 3, topK: 2 };
    bare = await makeRunFixture(options);
    fx = await makeRunFixture(options);
    await writeReport(fx.runDir);
  });
  after(async () => {
    await bare.cleanup();
    await fx.cleanup();
  });

  it('refuses a run without a report', async () => {
    const child = spawn(process.execPath, ['bin/netdissect.js', 'serve', bare.runDir, '--port', '0']);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /index\.html: not found; write the report first with `netdissect report/);
  });

  it('exits 2 on a bad or busy port', async () => {
    const run = (args: string[]): Promise<{ code: number | null; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ['bin/netdissect.js', 'serve', fx.runDir, ...args]);
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    const bad = await run(['--port', '70000']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--port "70000": expected an integer from 0 to 65535/);
    const busy = createServer();
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
    try {
      const port = (busy.address() as AddressInfo).port;
      const r = await run(['--port', String(port)]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, new RegExp(`--port ${port}: already in use on 127\\.0\\.0\\.1`));
    } finally {
      await new Promise<void>((done) => busy.close(() => done()));
    }
  });

  it('serves the report on 127.0.0.1 until stopped', async () => {
    const child = spawn(process.execPath, ['bin/netdissect.js', 'serve', fx.runDir, '--port', '0']);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
        child.on('close', (code) => reject(new Error(`serve exited ${code}`)));
      });
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const index = await get(url);
      assert.equal(index.status, 200);
      assert.match(index.body, /<script src="viewer.js"><\/script>/);
      // Only the report folder is served (raw traversal attempts: test/report/serve.test.ts).
      assert.equal((await get(`${url}run.json`)).status, 404);
      assert.equal((await get(`${url}%2e%2e/run.json`)).status, 404);
    } finally {
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      assert.equal(await closed, 0);
    }
  });
});
