// Every command's --help: each default shown once, in the units a user types, never quoted; the
// preprocessing presets' constants listed; the exit codes as the README states them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PRESETS } from '../../src/model/preprocess.js';

const BIN = path.resolve(process.cwd(), 'bin', 'netdissect.js');
const COMMANDS = [
  ['dissect'], ['layers'], ['make-dataset', 'synthetic'], ['demo'], ['dataset', 'info'], ['dataset', 'validate'],
  ['dataset', 'convert'], ['download'], ['stats'], ['compare'], ['report'], ['serve'],
] as const;

function help(args: readonly string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...args, '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // Commander wraps long lines: join them so a default split over two lines is still one phrase.
  return r.stdout.replace(/\n {10,}/g, ' ');
}

describe('--help', () => {
  for (const args of COMMANDS) {
    it(`${args.join(' ')}: each default once, unquoted`, () => {
      const text = help(args);
      for (const line of text.split('\n')) {
        assert.ok((line.match(/\(default[:\s]/g) ?? []).length <= 1, `one default per option: ${line}`);
        assert.doesNotMatch(line, /default: ["']/, `a default is not quoted: ${line}`);
        assert.doesNotMatch(line, /default: (true|false)\)/, `on/off flags show no default: ${line}`);
        assert.doesNotMatch(line, /default: \d{7,}/, `sizes in human units: ${line}`);
      }
    });
  }
  it('dissect: the memory budget in the README\'s units, every preset\'s constants, all outputs, the exit codes', () => {
    const text = help(['dissect']);
    assert.match(text, /--memory-budget <size> .*\(default: 64M\)/);
    for (const [name, p] of Object.entries(PRESETS)) {
      const std = new Set(p.std).size === 1 ? String(p.std[0]) : p.std.join(',');
      assert.match(text, new RegExp(`^  ${name}: +mean ${p.mean[0]}[,\\d.]*, std ${std.replace(/\./g, '\\.')}`, 'm'), name);
    }
    for (const f of ['tally.csv', 'thresholds.csv', 'intersection.csv', 'activation.csv', 'results.json', 'run.json', 'labels.csv']) assert.ok(text.includes(f), f);
    assert.match(text, /Exit codes: 0 done, 1 run failed, 2 usage error/);
  });
  it('demo accepts --restart, which a reused run suggests', () => {
    assert.match(help(['demo']), /--restart/);
  });
});
