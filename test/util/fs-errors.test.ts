// Errno codes in words, and what to do about a failed write.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeFsError, writeHint } from '../../src/util/fs-errors.js';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: something`), { code });

describe('describeFsError', () => {
  it('puts known codes in words', () => {
    assert.equal(describeFsError(errno('ENOSPC')), 'ENOSPC (no space left on the device)');
    assert.equal(describeFsError(errno('EROFS')), 'EROFS (read-only file system)');
  });
  it('keeps unknown codes, and the message when there is no code', () => {
    assert.equal(describeFsError(errno('EWHATEVER')), 'EWHATEVER');
    assert.equal(describeFsError(new Error('plain')), 'plain');
  });
});

describe('writeHint', () => {
  it('full disk: free space and rerun; unwritable: another --out', () => {
    assert.match(writeHint(errno('ENOSPC')), /^free some space and rerun the same command/);
    assert.equal(writeHint(errno('EACCES')), 'the output folder is not writable; choose another --out');
    assert.equal(writeHint(errno('EISDIR')), 'check the output folder and rerun the same command');
  });
});
