import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BIN = path.resolve(process.cwd(), 'bin', 'netdissect.js');

function netdissect(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Unit 1: object/dog .3 and color/red .05; unit 2: part/leg .06 (its object-iou .05 counts too);
// unit 3: nothing above .04. Hand-computed at 0.04: 2 detectors (object 1, part 1), 2 unique
// concepts; paper: color {red}, object {dog, cat}, part {leg} -> 4 unique detectors.
const TALLY = [
  'unit,category,label,score,color-label,color-truth,color-activation,color-intersect,color-iou,object-label,object-truth,object-activation,object-intersect,object-iou,part-label,part-truth,part-activation,part-intersect,part-iou',
  '1,object,dog,0.3,red,10.0,5.0,1.0,0.05,dog,10.0,5.0,3.0,0.3,leg,1.0,1.0,0.0,0.0',
  '2,part,leg,0.06,red,10.0,5.0,0.0,0.01,cat,10.0,5.0,1.0,0.05,leg,1.0,1.0,1.0,0.06',
  '3,object,cat,0.02,,0.0,0.0,0.0,0.0,cat,10.0,5.0,1.0,0.02,,0.0,0.0,0.0,0.0',
].join('\r\n');

describe('netdissect stats', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nd-stats-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'tally.csv');
  writeFileSync(file, TALLY);

  it('prints a table with both counting rules', () => {
    const r = netdissect(['stats', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /3 units; IoU > 0\.04: 2 detectors, 2 unique concepts \(best label\), 4 unique detectors \(paper\)/);
    assert.match(r.stdout, /^ {2}object +1 +1 +2 +2$/m);
    assert.match(r.stdout, /^ {2}total +2 +2 +4 +4$/m);
  });
  it('prints JSON with --json and honours --iou-threshold', () => {
    const r = netdissect(['stats', '--json', '--iou-threshold', '0.055', file, file]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { file: string; detectors: number; uniqueDetectors: number; iouThreshold: number }[];
    assert.equal(out.length, 2);
    // At 0.055: detectors u1 (.3), u2 (.06); paper: object {dog}, part {leg}.
    assert.deepEqual(out.map((o) => [o.file, o.iouThreshold, o.detectors, o.uniqueDetectors]), [[file, 0.055, 2, 2], [file, 0.055, 2, 2]]);
  });
  it('fails with file:line on a malformed file and exit code 1', () => {
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, TALLY.replace('0.06,red', '0.06;red'));
    const r = netdissect(['stats', file, bad]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: 18 fields, the header has 19`));
  });
  it('rejects a bad threshold as a usage error (exit 2)', () => {
    const r = netdissect(['stats', '--iou-threshold', 'x', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--iou-threshold must be a number between 0 and 1, got 'x'/);
  });
});
