import { describe, it, before, beforeEach, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, readFile, stat, readdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yazl from 'yazl';
import { fetchArchive } from '../../src/dataset/download.js';
import { DatasetError } from '../../src/util/errors.js';
import { runCli } from '../cli/run-cli.js';

/** A zip with a Broden-like top folder; incompressible content so the archive is large. */
async function makeZip(): Promise<{ zip: Buffer; files: Map<string, Buffer> }> {
  const files = new Map<string, Buffer>();
  files.set('broden_test/index.csv', Buffer.from('image,split,ih,iw,sh,sw,object\n'));
  const noise = Buffer.alloc(300_000);
  for (let i = 0, x = 12345; i < noise.length; i++) noise[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  files.set('broden_test/images/noise.bin', noise);
  const z = new yazl.ZipFile();
  for (const [name, data] of files) z.addBuffer(data, name, { compress: false });
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return { zip: Buffer.concat(chunks), files };
}

describe('fetchArchive', () => {
  let dir = '';
  let zip: Buffer = Buffer.alloc(0);
  let files = new Map<string, Buffer>();
  let server: http.Server;
  let url = '';
  const requests: { range: string | undefined; dropped: boolean }[] = [];
  let dropNext = false;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nd-download-'));
    ({ zip, files } = await makeZip());
    server = http.createServer((req, res) => {
      const range = req.headers.range;
      const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
      const start = m ? Number(m[1]) : 0;
      const body = zip.subarray(start);
      res.writeHead(m ? 206 : 200, {
        'content-length': String(body.length),
        ...(m ? { 'content-range': `bytes ${start}-${zip.length - 1}/${zip.length}` } : {}),
      });
      const dropped = dropNext;
      requests.push({ range, dropped });
      if (dropped) {
        dropNext = false;
        // Send 40 % of the body, then cut the connection mid-transfer.
        res.write(body.subarray(0, Math.floor(body.length * 0.4)), () => res.socket?.end());
      } else res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/broden1_224.zip`;
  });
  // Each test starts from an empty request log and says itself whether the first response drops.
  beforeEach(() => {
    requests.length = 0;
    dropNext = false;
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the partial file when the connection drops, resumes with Range, verifies and extracts', async () => {
    const dest = join(dir, 'dest');
    const sha = createHash('sha256').update(zip).digest('hex');
    dropNext = true;
    await assert.rejects(fetchArchive({ url, dest, sha256: sha }), (e: Error) => e instanceof DatasetError && /interrupted/.test(e.message));
    const partial = await stat(join(dest, '.partial'));
    assert.equal(partial.size, Math.floor(zip.length * 0.4));
    assert.deepEqual(await readdir(dest), ['.partial'], 'nothing extracted from an incomplete download');

    const paths = await fetchArchive({ url, dest, sha256: sha });
    assert.deepEqual(paths, [join(dest, 'broden_test')]);
    assert.deepEqual(requests.map((r) => r.range), [undefined, `bytes=${partial.size}-`]);
    for (const [name, data] of files) assert.ok((await readFile(join(dest, name))).equals(data), name);
    assert.deepEqual((await readdir(dest)).sort(), ['broden_test'], 'partial and temp folder removed');
  });

  it('deletes a download whose SHA-256 differs and extracts nothing', async () => {
    const dest = join(dir, 'dest-bad');
    await assert.rejects(fetchArchive({ url, dest, sha256: '0'.repeat(64) }), (e: Error) => e instanceof DatasetError && /SHA-256/.test(e.message));
    assert.deepEqual(await readdir(dest), []);
    assert.deepEqual(requests, [{ range: undefined, dropped: false }], 'one complete download');
  });

  it('netdissect download broden --url resumes too, with progress on stderr', async () => {
    const dest = join(dir, 'dest-cli');
    dropNext = true;
    const first = await runCli(['download', 'broden', '--url', url, '--dest', dest]);
    assert.equal(first.code, 1);
    assert.match(first.stderr, /interrupted .* run the same command again to resume/);
    assert.deepEqual(requests.map((r) => r.dropped), [true]);
    const second = await runCli(['download', 'broden', '--url', url, '--dest', dest]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout.trim(), join(dest, 'broden_test'));
    assert.match(second.stderr, /B\/s/);
    assert.deepEqual(requests.map((r) => r.range), [undefined, `bytes=${Math.floor(zip.length * 0.4)}-`], 'the second run resumed with Range');
    assert.ok((await readFile(join(dest, 'broden_test/images/noise.bin'))).equals(files.get('broden_test/images/noise.bin')!));
  });
});
