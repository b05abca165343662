// The simulated disk faults: inside the chosen folder, node:fs fails with the errno a read-only or
// full disk gives (also through ES-module named imports); outside it, nothing changes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FS_FAULT_ENV, type FsFault } from './fs-fault.js';

const PRELOAD = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'fs-fault.js')).href;

/** Run an ES module snippet under the preload; its stdout is one JSON line per probe. */
function probe(fault: FsFault, code: string): string[] {
  const r = spawnSync(process.execPath, ['--import', PRELOAD, '--input-type=module', '-e', code], {
    encoding: 'utf8', env: { ...process.env, [FS_FAULT_ENV]: JSON.stringify(fault) },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

const TRY = `const t = async (f) => { try { await f(); console.log('ok'); } catch (e) { console.log(e.code + ' ' + e.syscall + ' ' + e.path); } };`;

describe('fs-fault preload', () => {
  let tmp = '';
  before(() => { tmp = mkdtempSync(path.join(tmpdir(), 'nd-fs-fault-')); });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('mkdir: fails inside the folder with the errno, through named imports and promises', () => {
    const ro = path.join(tmp, 'ro');
    const lines = probe({ code: 'EROFS', on: 'mkdir', under: ro }, `${TRY}
      import { mkdirSync } from 'node:fs'; import { mkdir } from 'node:fs/promises';
      await t(() => mkdirSync(${JSON.stringify(path.join(ro, 'run'))}, { recursive: true }));
      await t(() => mkdir(${JSON.stringify(ro)}));
      await t(() => mkdirSync(${JSON.stringify(path.join(tmp, 'elsewhere'))}));`);
    assert.deepEqual(lines, [`EROFS mkdir ${path.join(ro, 'run')}`, `EROFS mkdir ${ro}`, 'ok']);
  });

  it('write: opening for writing fails inside the folder; reading and writing elsewhere do not', () => {
    const full = path.join(tmp, 'full');
    const lines = probe({ code: 'ENOSPC', on: 'write', under: full }, `${TRY}
      import { mkdirSync, openSync, closeSync, writeFileSync, readFileSync } from 'node:fs';
      import { writeFile } from 'node:fs/promises';
      const f = ${JSON.stringify(path.join(full, 'a.txt'))};
      await t(() => mkdirSync(${JSON.stringify(full)}));
      await t(() => writeFileSync(f, 'x'));
      await t(() => openSync(f, 'w'));
      await t(() => writeFile(f, 'x'));
      await t(() => readFileSync(f));
      await t(() => writeFileSync(${JSON.stringify(path.join(tmp, 'b.txt'))}, 'x'));`);
    const f = path.join(full, 'a.txt');
    assert.deepEqual(lines, ['ok', `ENOSPC open ${f}`, `ENOSPC open ${f}`, `ENOSPC open ${f}`, `ENOENT open ${f}`, 'ok']);
  });
});
