// The npm package as a user gets it: `npm pack` of the built repository, installed from the
// tarball into an empty folder (no network needed: npm ci left every dependency in npm's cache),
// then the installed CLI (`npx netdissect --version`, `layers`, `make-dataset`, `dissect`) and
// the README's Library API example, compiled with the repository's tsc against the packed type
// declarations and run. The example and the CLI dissect the same synthetic images, so their
// results must agree exactly. Takes about a minute; everything goes in one temporary folder.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/e2e/ → the repository root.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const TSC = path.join(ROOT, 'node_modules', '.bin', 'tsc');
const LAYER = 'expanded_conv_12';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run a program to the end; `code` is null when a signal ended it. */
function run(file: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    // Without the npm_* variables of an enclosing `npm test`: they would configure the nested npm.
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    env['ONNXRUNTIME_NODE_INSTALL'] = 'skip';
    env['npm_config_update_notifier'] = 'false';
    execFile(file, [...args], { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof (err as { code?: unknown }).code === 'string') reject(err); // could not start (ENOENT)
      else resolve({ code: err ? ((err as { code?: number | null }).code ?? null) : 0, stdout, stderr });
    });
  });
}

async function ok(file: string, args: readonly string[], cwd: string): Promise<Run> {
  const r = await run(file, args, cwd);
  assert.equal(r.code, 0, `${path.basename(file)} ${args.join(' ')} (in ${cwd}) exited ${r.code}\n${r.stderr}\n${r.stdout}`);
  return r;
}

/** The installed CLI, through npx as a user runs it; --no: never fetch a package from the registry. */
const netdissect = (app: string, ...args: string[]): Promise<Run> => ok('npx', ['--no', '--', 'netdissect', ...args], app);

/** The first ```ts block of the README's "Library API" section. */
function readmeExample(readme: string): string {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Library API\n'));
  assert.ok(section, 'README.md has a "## Library API" section');
  const blocks = [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  const example = blocks.find((b) => b.includes('await dissect('));
  assert.ok(example, 'the Library API section has a ```ts example that calls dissect');
  return example;
}

/** Per unit: threshold, best label and IoU, from a run's results.json. */
function unitsOf(runDir: string): unknown[] {
  const results = JSON.parse(readFileSync(path.join(runDir, LAYER, 'results.json'), 'utf8')) as {
    units: { unit: number; threshold: number; name: string; score: number; detector: boolean }[];
  };
  return results.units.map((u) => [u.unit, u.threshold, u.name, u.score, u.detector]);
}

describe('npm package: packed, installed into an empty folder, used', () => {
  let tmp = '';
  let app = '';
  let files: string[] = [];
  let cliDissect: Run;

  before(async () => {
    assert.ok(existsSync(path.join(ROOT, 'dist', 'src', 'index.js')) && existsSync(path.join(ROOT, 'dist', 'viewer', 'viewer.js')),
      'dist/ is not built: run `npm run build` first (npm test does)');
    tmp = mkdtempSync(path.join(tmpdir(), 'nd-package-'));
    // The build is already there (this test runs from it): pack without rerunning prepack/prepare.
    const packed = await ok('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT);
    const info = (JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[])[0]!;
    files = info.files.map((f) => f.path);
    const tarball = path.join(tmp, info.filename);
    assert.ok(existsSync(tarball), `npm pack wrote ${tarball}`);
    app = path.join(tmp, 'app');
    mkdirSync(app);
    writeFileSync(path.join(app, 'package.json'), `${JSON.stringify({ name: 'app', private: true, type: 'module' })}\n`);
    await ok('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], app);
    await netdissect(app, 'make-dataset', 'synthetic', '--images', '20', '--out', 'synthetic', '--quiet');
    cliDissect = await netdissect(app, 'dissect', '--model', 'node_modules/netdissect/models/mobilenet_v2_imagenet.onnx',
      '--dataset', 'synthetic', '--layer', LAYER, '--preprocess', 'mobilenet', '--limit', '20', '--top-k', '5',
      '--out', 'cli-run', '--quiet');
  });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('packs the compiled code, its types, the model and its licence, the docs, and nothing else', () => {
    const required = [
      'package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'bin/netdissect.js',
      'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/viewer/viewer.js',
      // Loaded by URL at run time, not imported: easy to lose from a files list.
      'dist/src/model/inference-worker.js', 'dist/src/stages/count-thread.js', 'dist/src/distributed/process-worker.js',
      'models/mobilenet_v2_imagenet.onnx', 'models/LICENSE-coral-test-data.txt', 'models/README.md',
    ];
    for (const f of required) assert.ok(files.includes(f), `the tarball has ${f}`);
    // The documents the README points to, so its links hold in an installed package.
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const doc of new Set(readme.match(/\bdocs\/[\w-]+\.md\b/g) ?? [])) assert.ok(files.includes(doc), `the tarball has ${doc} (the README names it)`);
    const unwanted = files.filter((f) =>
      /^(src|test|bench|\.ci)\//.test(f) || (f.startsWith('docs/') && !f.endsWith('.md')) || /^dist\/(test|bench)\//.test(f) ||
      /\.map$/.test(f) || (/\.tsx?$/.test(f) && !f.endsWith('.d.ts')) || /^tsconfig/.test(f) || f === 'package-lock.json');
    assert.deepEqual(unwanted, [], 'no tests, sources, source maps or build configuration in the tarball');
    // Every compiled module comes with its declarations.
    const js = files.filter((f) => f.startsWith('dist/src/') && f.endsWith('.js'));
    for (const f of js) assert.ok(files.includes(f.replace(/\.js$/, '.d.ts')), `${f} has ${f.replace(/\.js$/, '.d.ts')}`);
    assert.ok(readFileSync(path.join(ROOT, 'LICENSE'), 'utf8').includes('Apache License'), 'LICENSE is the Apache-2.0 text');
  });

  it('npx netdissect --version prints the tool, onnxruntime-node and node versions', async () => {
    const ort = JSON.parse(readFileSync(path.join(app, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')) as { version: string };
    const r = await netdissect(app, '--version');
    assert.equal(r.stdout, `netdissect ${PKG.version} (onnxruntime-node ${ort.version}, node ${process.version})\n`);
  });

  it('layers lists the embedded model\'s tensors', async () => {
    const r = await netdissect(app, 'layers', '--model', 'node_modules/netdissect/models/mobilenet_v2_imagenet.onnx');
    assert.match(r.stdout, /^Conv_1_preact\s+\S+\s+1280×7×7$/m);
    assert.match(r.stdout, new RegExp(`^${LAYER}\\s+\\S+\\s+96×14×14$`, 'm'));
    assert.match(r.stderr, /input 'input' NCHW 224×224/);
  });

  it('dissect runs from the installed package and writes its outputs', () => {
    assert.match(cliDissect.stdout, new RegExp(`^layer ${LAYER}\\s+\\[96×14×14\\]`, 'm'));
    assert.match(cliDissect.stdout, /^run: cli-run {2}images: 18$/m, '20 rows, 2 without data');
    for (const f of ['tally.csv', 'thresholds.csv', 'results.json']) {
      assert.ok(existsSync(path.join(app, 'cli-run', LAYER, f)), `cli-run/${LAYER}/${f} written`);
    }
    const manifest = JSON.parse(readFileSync(path.join(app, 'cli-run', 'run.json'), 'utf8')) as { state: string; tool: { version: string } };
    assert.equal(manifest.state, 'complete');
    assert.equal(manifest.tool.version, PKG.version);
  });

  it('the README\'s Library API example compiles against the packed types, runs, and agrees with the CLI', async () => {
    const readme = readFileSync(path.join(app, 'node_modules', PKG.name, 'README.md'), 'utf8');
    const src = path.join(app, 'src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'example.ts'), readmeExample(readme));
    // The repository's strict settings, checking the package's .d.ts files too (skipLibCheck off).
    writeFileSync(path.join(app, 'tsconfig.json'), `${JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true,
        noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, skipLibCheck: false,
        types: ['node'], typeRoots: [path.join(ROOT, 'node_modules', '@types')], rootDir: 'src', outDir: 'out',
      },
      include: ['src'],
    }, null, 2)}\n`);
    await ok(TSC, ['-p', 'tsconfig.json'], app);
    const r = await ok(process.execPath, ['out/example.js'], app);
    const cliCount = /(\d+)\/96 units are detectors/.exec(cliDissect.stdout);
    assert.ok(cliCount, `the CLI summary gives the detector count:\n${cliDissect.stdout}`);
    assert.match(r.stdout, new RegExp(`^${LAYER}: ${cliCount[1]}/96 units are detectors$`, 'm'));
    // The library and the CLI computed the same thing on the same (deterministic) synthetic images.
    assert.deepEqual(unitsOf(path.join(app, 'example', 'run')), unitsOf(path.join(app, 'cli-run')));
  });
});
