// The helpers that decide whether a test may skip: locally a missing requirement skips with a
// reason, in CI it fails; chromium is found through NETDISSECT_CHROMIUM or the PATH.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findChromium } from './browser.js';
import { inCi, requirementMissing, sharedMissing } from './shared.js';

describe('inCi', () => {
  it('is true for CI=1 or CI=true, false when unset, empty, 0 or false', () => {
    assert.deepEqual(['1', 'true', 'TRUE', 'yes'].map((v) => inCi({ CI: v })), [true, true, true, true]);
    assert.deepEqual([undefined, '', '0', 'false', 'False'].map((v) => inCi(v === undefined ? {} : { CI: v })), [false, false, false, false, false]);
  });
});

describe('sharedMissing and requirementMissing', () => {
  const absent = path.join(tmpdir(), 'nd-no-such-shared-folder', 'parity');
  it('returns null for a path that exists', () => {
    assert.equal(sharedMissing(tmpdir(), { CI: '1' }), null);
  });
  it('returns the skip reason locally', () => {
    assert.match(sharedMissing(absent, {}) ?? '', /nd-no-such-shared-folder.*not found: shared test data is only in the project's CI and workplace/);
  });
  it('throws in CI, naming the path and what to do', () => {
    assert.throws(() => sharedMissing(absent, { CI: 'true' }), /nd-no-such-shared-folder.*not found.*CI is set, so this fails instead of skipping: put the shared data/);
    assert.throws(() => requirementMissing('chromium absent', 'install it', { CI: '1' }), { message: 'chromium absent; CI is set, so this fails instead of skipping: install it' });
    assert.equal(requirementMissing('chromium absent', 'install it', {}), 'chromium absent');
  });
});

describe('findChromium', () => {
  let tmp = '';
  let bin1 = '';
  let bin2 = '';
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'nd-find-chromium-'));
    bin1 = path.join(tmp, 'bin1');
    bin2 = path.join(tmp, 'bin2');
    mkdirSync(bin1);
    mkdirSync(bin2);
    // bin1 has a chromium that is not executable, and a chromium-browser that is.
    writeFileSync(path.join(bin1, 'chromium'), '#!/bin/sh\n');
    writeFileSync(path.join(bin1, 'chromium-browser'), '#!/bin/sh\n');
    chmodSync(path.join(bin1, 'chromium-browser'), 0o755);
    writeFileSync(path.join(bin2, 'chromium'), '#!/bin/sh\n');
    chmodSync(path.join(bin2, 'chromium'), 0o755);
    mkdirSync(path.join(tmp, 'bin3', 'chromium'), { recursive: true }); // a folder, not a browser
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('takes the first executable name on the PATH, in name order then PATH order', () => {
    assert.deepEqual(findChromium({ PATH: [bin1, bin2].join(path.delimiter) }), { path: path.join(bin2, 'chromium') });
    assert.deepEqual(findChromium({ PATH: bin1 }), { path: path.join(bin1, 'chromium-browser') });
  });

  it('prefers NETDISSECT_CHROMIUM, and says when it names no executable', () => {
    const named = path.join(bin1, 'chromium-browser');
    assert.deepEqual(findChromium({ PATH: bin2, NETDISSECT_CHROMIUM: named }), { path: named });
    assert.deepEqual(findChromium({ PATH: bin2, NETDISSECT_CHROMIUM: path.join(tmp, 'nothing') }), { missing: `NETDISSECT_CHROMIUM=${path.join(tmp, 'nothing')} is not an executable file` });
  });

  it('reports none when the PATH has none (folders and non-executables do not count)', () => {
    const r = findChromium({ PATH: [path.join(tmp, 'bin3'), path.join(tmp, 'absent')].join(path.delimiter) });
    assert.deepEqual(r, { missing: 'no chromium on the PATH (tried chromium, chromium-browser, google-chrome-stable, google-chrome)' });
  });
});
