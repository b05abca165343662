import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serveReport, type ReportServer } from '../../src/report/serve.js';
import { makeRunFixture, type RunFixture } from './fixture.js';

/** Send a raw request line (so the path reaches the server exactly as written). */
function rawGet(port: number, path: string, method = 'GET'): Promise<{ status: number; body: string; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', reject);
    socket.on('end', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      resolve({ status: Number(head.split(' ')[1]), body, head });
    });
  });
}

describe('serveReport', () => {
  let fx: RunFixture;
  let server: ReportServer;
  const secret = 'SECRET-RUN-MANIFEST';
  before(async () => {
    fx = await makeRunFixture({ layers: [{ name: 'a', dir: 'a', units: 1, h: 2, w: 2 }], images: 1, topK: 1 });
    const report = join(fx.runDir, 'report');
    await mkdir(join(report, 'units'), { recursive: true });
    await writeFile(join(report, 'index.html'), '<!doctype html><p>report</p>');
    await writeFile(join(report, 'data.js'), 'window.__NETDISSECT__ = {};');
    await writeFile(join(fx.runDir, 'secret.txt'), secret);
    await symlink(join(fx.runDir, 'secret.txt'), join(report, 'units', 'link.txt'));
    server = await serveReport(report, 0);
  });
  after(async () => {
    await server.close();
    await fx.cleanup();
  });

  it('listens on 127.0.0.1 only', () => {
    const address = server.server.address();
    assert.ok(address && typeof address === 'object');
    assert.equal(address.address, '127.0.0.1');
    assert.equal(server.url, `http://127.0.0.1:${server.port}/`);
  });

  it('serves the report files with their types', async () => {
    const index = await rawGet(server.port, '/');
    assert.equal(index.status, 200);
    assert.match(index.head, /content-type: text\/html/i);
    assert.equal(index.body, '<!doctype html><p>report</p>');
    const data = await rawGet(server.port, '/data.js?v=1');
    assert.equal(data.status, 200);
    assert.match(data.head, /content-type: text\/javascript/i);
    assert.equal((await rawGet(server.port, '/index.html', 'HEAD')).body, '');
  });

  const escapes = [
    '/../run.json',
    '/../secret.txt',
    '/%2e%2e/run.json',
    '/%2E%2E/secret.txt',
    '/%2e%2e%2frun.json',
    '/..%2fsecret.txt',
    '/..%5csecret.txt',
    '/units/../../secret.txt',
    '/units/%2e%2e/%2e%2e/secret.txt',
    '/%252e%252e/secret.txt',
    '/%00../secret.txt',
    '/%E0%A4%A/secret.txt',
    '//secret.txt',
    '/units/link.txt',
    '/../a/results.json',
    'http://127.0.0.1/../secret.txt',
  ];
  for (const path of escapes) {
    it(`refuses ${path}`, async () => {
      const res = await rawGet(server.port, path);
      assert.ok(res.status === 404 || res.status === 400, `status ${res.status}`);
      assert.ok(!res.body.includes(secret) && !res.body.includes('netdissect/run'), 'leaked a file outside the report');
    });
  }

  it('answers 405 to other methods', async () => {
    assert.equal((await rawGet(server.port, '/index.html', 'POST')).status, 405);
  });
});
