// `npm run mutants`: a mutation check of the numeric kernels. Each mutant flips one decisive
// operator or rule in a copy of the TypeScript source (strict `>` in the mask, the lite/original
// switch, the quantile interpolation, the 1e-10 in IoU, the tie rules), compiles the kernel and
// its tests alone, and runs only those tests. A mutant the tests still pass ("survived") is a
// rule no test pins down: the script exits 1 and the table says which. Not part of `npm test`.
//
// The copy lives in .mutants/ inside the repository so that node_modules resolves as usual; the
// tests run with the repository root as their working directory (../shared is found as in npm test).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORK = path.join(ROOT, '.mutants');
const TSC = path.join(ROOT, 'node_modules', '.bin', 'tsc');
/** A mutant whose tests loop forever is killed by this limit (it counts as killed). */
const TEST_TIMEOUT_MS = 120_000;

const COUNTER_TESTS = ['test/tally/counter.test.ts'];
const UPSAMPLE_TESTS = ['test/tally/upsample.test.ts'];
const QUANTILE_TESTS = ['test/quantile/top-quantile.test.ts'];
const LABEL_TESTS = ['test/label/labels.test.ts'];

/**
 * The mutants. `find` must occur in `file` (exactly `count` times, default 1); `nth` mutates
 * only that occurrence (0-based), otherwise every occurrence is replaced.
 * @type {{ id: string, file: string, what: string, find: string, replace: string, count?: number, nth?: number, tests: string[] }[]}
 */
const MUTANTS = [
  {
    id: 'counter-lite-off', file: 'src/tally/counter.ts', what: "semantics 'lite' counted as 'original'",
    find: "const lite = this.semantics === 'lite';", replace: 'const lite = false;', tests: COUNTER_TESTS,
  },
  {
    id: 'counter-lite-on', file: 'src/tally/counter.ts', what: "semantics 'original' counted as 'lite'",
    find: "const lite = this.semantics === 'lite';", replace: 'const lite = true;', tests: COUNTER_TESTS,
  },
  {
    id: 'counter-lite-pixels', file: 'src/tally/counter.ts', what: "'lite' ignores the pixel labels the mask touches",
    find: 'if (lite) touched[primary[l] as number] = 1;', count: 2, nth: 0, replace: '', tests: COUNTER_TESTS,
  },
  {
    id: 'counter-lite-image-level', file: 'src/tally/counter.ts', what: "'lite' ignores image-level labels",
    find: 'if (lite) touched[primary[l] as number] = 1;', count: 2, nth: 1, replace: '', tests: COUNTER_TESTS,
  },
  {
    id: 'counter-original-all', file: 'src/tally/counter.ts', what: "'original' adds |M| to every category, annotated or not",
    find: 'for (const k of labels.annotated)', replace: 'for (let k = 0; k < K; k++)', tests: COUNTER_TESTS,
  },
  {
    id: 'counter-annotated-by-column', file: 'src/tally/counter.ts', what: 'a pixel label annotates category 0, not its primary category',
    find: 'annotated[tables.primary[l] as number] = 1;', count: 2, nth: 0, replace: 'annotated[0] = 1;', tests: COUNTER_TESTS,
  },
  {
    id: 'counter-image-level-intersection', file: 'src/tally/counter.ts', what: 'an image-level label intersects one pixel, not |M|',
    find: 'inter[iBase + l] = (inter[iBase + l] as number) + n;', replace: 'inter[iBase + l] = (inter[iBase + l] as number) + 1;', tests: COUNTER_TESTS,
  },
  {
    id: 'truth-image-level', file: 'src/tally/counter.ts', what: "an image-level label's truth is 1, not sh·sw",
    find: 'truth[l] = (truth[l] as number) + size;', replace: 'truth[l] = (truth[l] as number) + 1;', tests: COUNTER_TESTS,
  },
  {
    id: 'mask-no-float32', file: 'src/tally/upsample.ts', what: 'maskAbove compares the double sum, not its float32 rounding',
    find: 'if (Math.fround(ss) > threshold32)', count: 2, replace: 'if (ss > threshold32)', tests: [...UPSAMPLE_TESTS, ...COUNTER_TESTS],
  },
  {
    id: 'mask-ge-two-taps', file: 'src/tally/upsample.ts', what: 'maskAbove keeps values equal to the threshold (interior rows)',
    find: 'if (Math.fround(ss) > threshold32) active[n++] = outBase + x;', count: 2, nth: 0,
    replace: 'if (Math.fround(ss) >= threshold32) active[n++] = outBase + x;', tests: [...UPSAMPLE_TESTS, ...COUNTER_TESTS],
  },
  {
    id: 'mask-ge-edge-taps', file: 'src/tally/upsample.ts', what: 'maskAbove keeps values equal to the threshold (edge rows)',
    find: 'if (Math.fround(ss) > threshold32) active[n++] = outBase + x;', count: 2, nth: 1,
    replace: 'if (Math.fround(ss) >= threshold32) active[n++] = outBase + x;', tests: [...UPSAMPLE_TESTS, ...COUNTER_TESTS],
  },
  {
    id: 'quantile-no-interpolation', file: 'src/quantile/top-quantile.ts', what: 'threshold = the lower order statistic, not interpolated',
    find: 'return kth + frac * (kthMinus1 - kth);', replace: 'return kth;', tests: QUANTILE_TESTS,
  },
  {
    id: 'quantile-weight-swapped', file: 'src/quantile/top-quantile.ts', what: 'interpolation weight 1 − frac instead of frac',
    find: 'return kth + frac * (kthMinus1 - kth);', replace: 'return kth + (1 - frac) * (kthMinus1 - kth);', tests: QUANTILE_TESTS,
  },
  {
    id: 'quantile-position-n', file: 'src/quantile/top-quantile.ts', what: 'position p = n(1 − q) instead of (n − 1)(1 − q)',
    find: 'const p = (n - 1) * (1 - q);', replace: 'const p = n * (1 - q);', tests: QUANTILE_TESTS,
  },
  {
    id: 'quantile-topcount-ceil', file: 'src/quantile/top-quantile.ts', what: 'k = n − ⌈p⌉ instead of n − ⌊p⌋',
    find: 'return n - Math.floor((n - 1) * (1 - q));', replace: 'return n - Math.ceil((n - 1) * (1 - q));', tests: QUANTILE_TESTS,
  },
  {
    id: 'iou-no-epsilon', file: 'src/label/labels.ts', what: 'IoU without the + 1e-10',
    find: 'return intersection / (activation + truth - intersection + 1e-10);', replace: 'return intersection / (activation + truth - intersection);', tests: LABEL_TESTS,
  },
  {
    id: 'iou-epsilon-1e-9', file: 'src/label/labels.ts', what: 'IoU with + 1e-9 instead of + 1e-10',
    find: 'return intersection / (activation + truth - intersection + 1e-10);', replace: 'return intersection / (activation + truth - intersection + 1e-9);', tests: LABEL_TESTS,
  },
  {
    id: 'label-tie-highest', file: 'src/label/labels.ts', what: 'equal IoU within a category goes to the highest label number',
    find: 'if (v > (bestIou[k] as number)) {', replace: 'if (v >= (bestIou[k] as number)) {', tests: LABEL_TESTS,
  },
  {
    id: 'category-tie-earlier', file: 'src/label/labels.ts', what: 'equal scores across categories go to the earlier category',
    find: 'if (entry.iou >= score) {', replace: 'if (entry.iou > score) {', tests: LABEL_TESTS,
  },
  {
    id: 'top-labels-tie', file: 'src/label/labels.ts', what: 'topLabels orders equal IoU by descending label number',
    find: 'out.sort((x, y) => y.iou - x.iou || x.label - y.label);', replace: 'out.sort((x, y) => y.iou - x.iou || y.label - x.label);', tests: LABEL_TESTS,
  },
  {
    id: 'detector-ge', file: 'src/label/labels.ts', what: 'a unit with IoU equal to the detector threshold counts as a detector',
    find: '> iouThreshold', count: 3, replace: '>= iouThreshold', tests: LABEL_TESTS,
  },
];

/** Replace occurrence `nth` (or all) of `find` in `text`, checking how many there are. */
function mutate(text, m) {
  const parts = text.split(m.find);
  const found = parts.length - 1;
  const want = m.count ?? 1;
  if (found !== want) {
    throw new Error(`mutant ${m.id}: '${m.find}' occurs ${found} times in ${m.file}, expected ${want}; update scripts/mutants.mjs to the source`);
  }
  if (m.nth === undefined) return parts.join(m.replace);
  return parts.slice(0, m.nth + 1).join(m.find) + m.replace + parts.slice(m.nth + 1).join(m.find);
}

/** Compile `tests` (and what they import) from the .mutants copy into .mutants/out. */
function compile(tests) {
  rmSync(path.join(WORK, 'out'), { recursive: true, force: true });
  writeFileSync(path.join(WORK, 'tsconfig.json'), JSON.stringify({
    extends: '../tsconfig.json',
    compilerOptions: { outDir: 'out', rootDir: '.', sourceMap: false },
    include: [],
    files: tests,
  }, null, 1));
  const r = spawnSync(TSC, ['-p', path.join(WORK, 'tsconfig.json')], { encoding: 'utf8' });
  return r.status === 0 ? null : `${r.stdout}${r.stderr}`.trim();
}

/** Run the compiled tests; 'passed', 'failed' or 'timeout'. */
function runTests(tests) {
  const files = tests.map((t) => path.join(WORK, 'out', t.replace(/\.ts$/, '.js')));
  const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { cwd: ROOT, encoding: 'utf8', timeout: TEST_TIMEOUT_MS });
  if (r.error && /ETIMEDOUT/.test(String(r.error.code))) return { result: 'timeout', output: '' };
  return { result: r.status === 0 ? 'passed' : 'failed', output: `${r.stdout}${r.stderr}` };
}

function main() {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK);
  for (const d of ['src', 'test']) cpSync(path.join(ROOT, d), path.join(WORK, d), { recursive: true });
  const originals = new Map();
  for (const m of MUTANTS) if (!originals.has(m.file)) originals.set(m.file, readFileSync(path.join(ROOT, m.file), 'utf8'));

  // Baseline: the unmutated kernels pass their tests, or "killed" would mean nothing.
  const allTests = [...new Set(MUTANTS.flatMap((m) => m.tests))];
  const compileError = compile(allTests);
  if (compileError) throw new Error(`the unmutated sources do not compile:\n${compileError}`);
  const base = runTests(allTests);
  if (base.result !== 'passed') throw new Error(`the kernel tests fail without any mutant (${base.result}):\n${base.output.slice(-4000)}`);

  const rows = [];
  for (const m of MUTANTS) {
    for (const [file, text] of originals) writeFileSync(path.join(WORK, file), text);
    writeFileSync(path.join(WORK, m.file), mutate(originals.get(m.file), m));
    const t0 = performance.now();
    const err = compile(m.tests);
    let status;
    if (err) status = 'INVALID (does not compile)';
    else {
      const r = runTests(m.tests);
      status = r.result === 'passed' ? 'SURVIVED' : r.result === 'timeout' ? 'killed (timeout)' : 'killed';
    }
    rows.push([m.id, m.file, m.what, m.tests.map((t) => path.basename(t, '.test.ts')).join(','), status, `${((performance.now() - t0) / 1000).toFixed(1)} s`]);
    process.stderr.write(`mutants: ${rows.length}/${MUTANTS.length} ${m.id}: ${status}\n`);
  }
  if (!process.env['KEEP']) rmSync(WORK, { recursive: true, force: true });

  const header = ['mutant', 'file', 'mutation', 'tests run', 'result', 'time'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const out = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
  const killed = rows.filter((r) => r[4].startsWith('killed')).length;
  out.push('', `${killed} of ${rows.length} mutants killed.`);
  process.stdout.write(`${out.join('\n')}\n`);
  if (killed !== rows.length) process.exitCode = 1;
}

if (!existsSync(TSC)) throw new Error(`${TSC} not found: run npm install first`);
main();
