import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashModelFile, ModelFileChanged, readModelFile } from '../../src/model/model-bytes.js';

describe('readModelFile and ModelBytes', () => {
  let tmp = '';
  let file = '';
  // Larger than one read chunk (8 MiB), so reading and hashing cross chunk boundaries.
  const content = randomBytes(20 * 1024 * 1024 + 12345);
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'nd-bytes-'));
    file = path.join(tmp, 'm.onnx');
    writeFileSync(file, content);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads the file into one buffer; a second, streaming read hashes it while the bytes are lent', async () => {
    const r = await readModelFile(file);
    assert.ok(Buffer.from(r.bytes.view(file)).equals(content));
    const loan = await r.bytes.lend(new Uint8Array(0), file);
    assert.equal(await hashModelFile(file, r.identity), createHash('sha256').update(content).digest('hex'));
    loan.giveBack(loan.buffer);
  });

  it('refuses to hash a file that changed after it was read', async () => {
    const other = path.join(tmp, 'changing.onnx');
    writeFileSync(other, content.subarray(0, 1000));
    const r = await readModelFile(other);
    writeFileSync(other, content.subarray(0, 1001)); // another size
    await assert.rejects(hashModelFile(other, r.identity), ModelFileChanged);
    const again = await readModelFile(other);
    writeFileSync(other, content.subarray(1, 1002)); // same size, rewritten: a new modification time
    utimesSync(other, new Date(), new Date(Date.now() + 5000));
    await assert.rejects(hashModelFile(other, again.identity), ModelFileChanged);
  });

  it('lends the buffer with a fragment after the bytes and gets it back unchanged', async () => {
    const { bytes } = await readModelFile(file);
    const loan = await bytes.lend(Uint8Array.from([1, 2, 3]), file);
    assert.equal(loan.length, content.length + 3);
    assert.deepEqual([...new Uint8Array(loan.buffer, content.length, 3)], [1, 2, 3]);
    assert.throws(() => bytes.view(file), /in use by a session being created/);
    let second = false;
    const waiting = bytes.lend(new Uint8Array(0), file).then((l) => { second = true; return l; });
    await new Promise((r) => setImmediate(r));
    assert.equal(second, false, 'a second loan waits for the first');
    loan.giveBack(loan.buffer);
    (await waiting).giveBack((await waiting).buffer);
    assert.ok(Buffer.from(bytes.view(file)).equals(content));
  });

  it('grows once for a fragment larger than its spare room', async () => {
    const { bytes } = await readModelFile(file);
    const big = new Uint8Array(3 * 1024 * 1024).fill(7);
    const loan = await bytes.lend(big, file);
    assert.equal(loan.length, content.length + big.length);
    assert.equal(new Uint8Array(loan.buffer)[content.length + big.length - 1], 7);
    loan.giveBack(loan.buffer);
    assert.ok(Buffer.from(bytes.view(file)).equals(content));
  });

  it('says when the bytes were released or lost', async () => {
    const { bytes } = await readModelFile(file);
    const loan = await bytes.lend(new Uint8Array(0), file);
    loan.giveBack(null);
    assert.throws(() => bytes.view(file), /lost \(a worker died holding them\)/);
    const other = (await readModelFile(file)).bytes;
    await other.release();
    await assert.rejects(other.lend(new Uint8Array(0), file), /released/);
  });
});
