// The catalogue of bad inputs (docs/reliability.md), each run through the real CLI in a child
// process: the exit code, and stderr is ONE line `netdissect: error: ...` naming the file, row or
// layer at fault, with no stack trace. Each case also says what the run directory holds after it
// (docs/reliability.md, "What a run does"), and that is checked unconditionally: a failure before
// the run starts leaves the run directory untouched (or uncreated); a failure after it started
// leaves run.json 'failed' with the same message, no outputs and no lock. Disk faults that need
// root to stage (mounts) are also simulated at the file-system boundary (test/helpers/fs-fault.ts)
// so that they are checked on every machine.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openBroden } from '../../src/dataset/broden/reader.js';
import { generateSyntheticBroden } from '../../src/dataset/synthetic/generate.js';
import type { RunManifest } from '../../src/run/run-types.js';
import { LAYER_OUTPUTS, runCliToEnd, type CliResult } from '../helpers/child.js';
import type { FsFault } from '../helpers/fs-fault.js';
import { pngLabels } from '../helpers/broden-fixture.js';
import { nonFiniteModel, twoConvModel, twoInputModel, vectorInputModel } from '../helpers/small-models.js';

const SIZE = 64; // photos and model input; label maps are 32×32

interface Ctx {
  readonly tmp: string;
  /** A fresh copy of the good dataset for this case (made on first use). */
  dataset(): string;
  /** Run directory of this case (not created): <case>/run unless the case chose another. */
  readonly out: string;
  /** Make `dir` the run directory this case passes to --out (and whose state is checked). */
  useOut(dir: string): string;
  /** Files of the good dataset's image 10 (kept-row index), relative to images/. */
  readonly image10: string;
  readonly object10: string;
  readonly models: Readonly<Record<'good' | 'nan' | 'inf' | 'twoInputs' | 'vector' | 'notOnnx', string>>;
}

interface Case {
  /** The catalogue entry. */
  readonly name: string;
  /** Prepare the case and return the CLI arguments after `dissect` (default: the good run). */
  readonly args?: (c: Ctx) => string[] | Promise<string[]> | null;
  readonly code: number;
  /** What the one stderr line must say (it always starts with `netdissect: error: `). */
  readonly message?: RegExp | ((c: Ctx) => RegExp);
  /**
   * What the run directory holds afterwards, for a failing case: 'untouched' (the failure came
   * before the run started: the directory is as the case left it, or absent) or 'failed' (run.json
   * says failed with the message; no outputs; no lock). Usage errors (exit 2) are 'untouched'.
   */
  readonly after?: 'untouched' | 'failed';
  /** A file-system fault injected into the CLI process (test/helpers/fs-fault.ts). */
  readonly fsFault?: (c: Ctx) => FsFault;
  /** More checks, e.g. on run.json. */
  readonly check?: (c: Ctx, r: CliResult) => void;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The good command line, with `over` replacing flags (`--flag`: value) and `extra` appended. */
function dissectArgs(c: Ctx, over: Record<string, string | null> = {}, ...extra: string[]): string[] {
  const flags: Record<string, string | null> = {
    '--model': c.models.good, '--dataset': c.dataset(), '--layer': 'relu1', '--out': c.out, '--preprocess': 'mobilenet',
    '--batch': '4', ...over,
  };
  const out = ['dissect', '--quiet'];
  for (const [k, v] of Object.entries(flags)) if (v !== null) out.push(k, v);
  return [...out, ...extra];
}

/** Edit one line (1-based) of a dataset table. */
function editLine(file: string, line: number, edit: (s: string) => string): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[line - 1] = edit(lines[line - 1]!);
  writeFileSync(file, lines.join('\n'));
}

/** Point image 10's index.csv row at `file` (relative to images/) instead of its JPEG. */
function replacePhoto(c: Ctx, ds: string, file: string, bytes: Uint8Array): void {
  writeFileSync(path.join(ds, 'images', file), bytes);
  const index = path.join(ds, 'index.csv');
  writeFileSync(index, readFileSync(index, 'utf8').replace(`${c.image10},`, `${file},`));
}

async function photoPng(ds: string, c: Ctx): Promise<Buffer> {
  return sharp(path.join(ds, 'images', c.image10)).png().toBuffer();
}

/** The catalogue. */
const CASES: Case[] = [
  // --- photos ---
  {
    // Damage inside the compressed data decodes with garbled pixels and no error, as in PIL (the
    // reference reads it the same way): only structural damage is detectable.
    name: 'corrupt JPEG (damaged header)', after: 'failed',
    args: (c) => {
      const ds = c.dataset();
      const f = path.join(ds, 'images', c.image10);
      const b = readFileSync(f);
      for (let i = 2; i < 200; i++) b[i] = (i * 37) & 0xff; // the header's markers are gone
      writeFileSync(f, b);
      return dissectArgs(c);
    },
    code: 1,
    message: (c) => new RegExp(`cannot decode image .*${esc(c.image10)}: corrupt JPEG header: expected a marker at byte \\d+, found 0x[0-9a-f]{2}; replace the file \\(dissect --skip-bad-images`),
  },
  {
    name: 'truncated JPEG', after: 'failed',
    args: (c) => {
      const f = path.join(c.dataset(), 'images', c.image10);
      writeFileSync(f, readFileSync(f).subarray(0, 700));
      return dissectArgs(c);
    },
    code: 1,
    message: (c) => new RegExp(`cannot decode image .*${esc(c.image10)}: truncated JPEG: the image data stops at byte 700 without the end-of-image marker`),
  },
  {
    name: 'corrupt PNG photo (bad CRC in image data)', after: 'failed',
    args: async (c) => {
      const ds = c.dataset();
      const png = await photoPng(ds, c);
      const at = png.indexOf('IDAT') + 10;
      for (let i = at; i < at + 8; i++) png[i] = png[i]! ^ 0x5a;
      replacePhoto(c, ds, 'bad-photo.png', png);
      return dissectArgs(c);
    },
    code: 1,
    message: /cannot decode image .*bad-photo\.png: corrupt PNG: chunk IDAT at byte \d+ fails its CRC check/,
  },
  {
    name: 'truncated PNG photo', after: 'failed',
    args: async (c) => {
      const ds = c.dataset();
      const png = await photoPng(ds, c);
      replacePhoto(c, ds, 'cut-photo.png', png.subarray(0, png.length >> 1));
      return dissectArgs(c);
    },
    code: 1,
    message: /cannot decode image .*cut-photo\.png: truncated PNG: chunk IDAT at byte \d+ needs \d+ bytes/,
  },
  {
    name: 'a photo that is a text file', after: 'failed',
    args: (c) => {
      writeFileSync(path.join(c.dataset(), 'images', c.image10), 'hello, I am not a picture\n');
      return dissectArgs(c);
    },
    code: 1,
    message: (c) => new RegExp(`cannot decode image .*${esc(c.image10)}: not an image file: it starts with 'hello, I am not…'`),
  },
  {
    name: 'a missing photo', after: 'failed',
    args: (c) => {
      rmSync(path.join(c.dataset(), 'images', c.image10));
      return dissectArgs(c);
    },
    code: 1,
    message: (c) => new RegExp(`cannot read image .*${esc(c.image10)}: ENOENT \\(no such file or folder\\)`),
  },
  {
    name: '--skip-bad-images skips a corrupt photo, counted and listed in run.json',
    args: (c) => {
      const f = path.join(c.dataset(), 'images', c.image10);
      writeFileSync(f, readFileSync(f).subarray(0, 700));
      return dissectArgs(c, {}, '--skip-bad-images');
    },
    code: 0,
    check: (c, r) => {
      const run = JSON.parse(readFileSync(path.join(c.out, 'run.json'), 'utf8')) as RunManifest;
      assert.equal(run.state, 'complete');
      assert.equal(run.images.skipped.length, 1);
      assert.equal(run.images.skipped[0]!.file, c.image10);
      assert.match(run.images.skipped[0]!.reason, /truncated JPEG/);
      assert.equal(run.images.used, run.dataset.images - 1);
      assert.match(r.stdout, /\(1 skipped, listed in run\.json\)/);
      assert.ok(existsSync(path.join(c.out, 'relu1', 'tally.csv')));
    },
  },
  // --- label maps ---
  {
    name: 'a label PNG of the wrong size', after: 'failed',
    args: (c) => {
      writeFileSync(path.join(c.dataset(), 'images', c.object10), pngLabels(20, 20, new Uint16Array(400)));
      return dissectArgs(c);
    },
    code: 1,
    message: (c) => new RegExp(`${esc(c.object10)}: label map is 20×20, index.csv says sw×sh = 32×32 for ${esc(c.image10)}`),
  },
  {
    name: 'a label number absent from label.csv', after: 'failed',
    args: (c) => {
      const labels = new Uint16Array(32 * 32);
      labels[3 * 32 + 4] = 1018;
      writeFileSync(path.join(c.dataset(), 'images', c.object10), pngLabels(32, 32, labels));
      return dissectArgs(c);
    },
    code: 1,
    message: (c) => new RegExp(`${esc(c.object10)}: pixel \\(4, 3\\) has label 1018, which is not in label\\.csv`),
  },
  {
    name: 'a truncated label PNG', after: 'failed',
    args: (c) => {
      const f = path.join(c.dataset(), 'images', c.object10);
      writeFileSync(f, readFileSync(f).subarray(0, 60));
      return dissectArgs(c);
    },
    code: 1,
    message: (c) => new RegExp(`cannot decode label PNG .*${esc(c.object10)}: truncated PNG`),
  },
  {
    name: 'a label PNG that is a text file', after: 'failed',
    args: (c) => {
      writeFileSync(path.join(c.dataset(), 'images', c.object10), 'labels\n');
      return dissectArgs(c);
    },
    code: 1,
    message: (c) => new RegExp(`cannot decode label PNG .*${esc(c.object10)}: not a PNG file: it starts with 'labels'`),
  },
  {
    name: '--skip-bad-images skips an image whose label map is unreadable',
    args: (c) => {
      writeFileSync(path.join(c.dataset(), 'images', c.object10), 'labels\n');
      return dissectArgs(c, {}, '--skip-bad-images');
    },
    code: 0,
    check: (c) => {
      const run = JSON.parse(readFileSync(path.join(c.out, 'run.json'), 'utf8')) as RunManifest;
      assert.equal(run.state, 'complete');
      assert.deepEqual(run.images.skipped.map((k) => k.file), [c.image10]);
      assert.match(run.images.skipped[0]!.reason, /^labels: cannot decode label PNG .*not a PNG file/);
    },
  },
  // --- tables ---
  {
    name: 'a short row in index.csv', after: 'untouched',
    args: (c) => { editLine(path.join(c.dataset(), 'index.csv'), 5, (l) => l.replace(/,[^,]*$/, '')); return dissectArgs(c); },
    code: 1,
    message: /index\.csv:5: expected 12 fields \(image,split,ih,iw,sh,sw,color,object,part,material,scene,texture\), found 11/,
  },
  {
    name: 'a malformed number in index.csv', after: 'untouched',
    args: (c) => { editLine(path.join(c.dataset(), 'index.csv'), 6, (l) => l.replace(`,${SIZE},${SIZE},`, `,${SIZE},6x4,`)); return dissectArgs(c); },
    code: 1,
    message: /index\.csv:6: column 'iw' must be a non-negative integer, found '6x4'/,
  },
  {
    name: 'an unterminated quote in index.csv', after: 'untouched',
    args: (c) => { editLine(path.join(c.dataset(), 'index.csv'), 7, (l) => `"${l}`); return dissectArgs(c); },
    code: 1,
    message: /index\.csv:7: unterminated quoted field/,
  },
  {
    name: 'a short row in label.csv', after: 'untouched',
    args: (c) => { editLine(path.join(c.dataset(), 'label.csv'), 4, (l) => l.split(',')[0]!); return dissectArgs(c); },
    code: 1,
    message: /label\.csv:4: expected 6 fields \(number,name,category,frequency,coverage,syns\), found 1/,
  },
  {
    name: 'a malformed category cell in label.csv', after: 'untouched',
    args: (c) => { editLine(path.join(c.dataset(), 'label.csv'), 4, (l) => l.replace(/,color\(\d+\),/, ',color(((,')); return dissectArgs(c); },
    code: 1,
    message: /label\.csv:4: category cell 'color\(\(\(' is malformed/,
  },
  {
    name: 'an image-level label number absent from label.csv', after: 'untouched',
    args: (c) => {
      const index = path.join(c.dataset(), 'index.csv');
      const lines = readFileSync(index, 'utf8').split('\n');
      const i = lines.findIndex((l, n) => n > 0 && /,\d+,[^,]*$/.test(l)); // a row with a scene number
      lines[i] = lines[i]!.replace(/,\d+,([^,]*)$/, ',9999,$1');
      writeFileSync(index, lines.join('\n'));
      return dissectArgs(c);
    },
    code: 1,
    message: /index\.csv:\d+: image-level label 9999 in column 'scene' is not a scene label of label\.csv/,
  },
  {
    name: 'a missing category file (c_part.csv)', after: 'untouched',
    args: (c) => { rmSync(path.join(c.dataset(), 'c_part.csv')); return dissectArgs(c); },
    code: 1,
    message: /c_part\.csv: file not found/,
  },
  {
    name: 'a missing index.csv', after: 'untouched',
    args: (c) => { rmSync(path.join(c.dataset(), 'index.csv')); return dissectArgs(c); },
    code: 1,
    message: /index\.csv: file not found; a Broden dataset needs index\.csv/,
  },
  {
    name: 'an empty dataset (index.csv with only its header)', after: 'untouched',
    args: (c) => {
      const index = path.join(c.dataset(), 'index.csv');
      writeFileSync(index, `${readFileSync(index, 'utf8').split('\n')[0]}\n`);
      return dissectArgs(c);
    },
    code: 1,
    message: /index\.csv: no image rows, only the header; nothing to dissect/,
  },
  {
    name: 'a selected category without any label', after: 'untouched',
    args: (c) => {
      const ds = c.dataset();
      appendFileSync(path.join(ds, 'category.csv'), 'weather,0,0,0,0\n');
      writeFileSync(path.join(ds, 'c_weather.csv'), 'code,number,name,frequency,coverage\n');
      return dissectArgs(c);
    },
    code: 1,
    message: /label\.csv: no label belongs to the selected category 'weather'; fix label\.csv, or select the others with --categories color,object,part,material,scene,texture/,
  },
  {
    name: 'a selected category without any annotated image', after: 'untouched',
    args: (c) => {
      // Every scene cell emptied: no row has data in 'scene' alone.
      const index = path.join(c.dataset(), 'index.csv');
      const lines = readFileSync(index, 'utf8').split('\n');
      writeFileSync(index, lines.map((l, i) => (i === 0 || l === '' ? l : l.replace(/,[^,]*,([^,]*)$/, ',,$1'))).join('\n'));
      return dissectArgs(c, { '--categories': 'scene' });
    },
    code: 1,
    message: /index\.csv: no image has data in the selected categories \(scene\); nothing to dissect/,
  },
  {
    name: 'a category that is not in the dataset', after: 'untouched',
    args: (c) => dissectArgs(c, { '--categories': 'weather' }),
    code: 1,
    message: /category\.csv: category 'weather' is not in this dataset; it has: color, object, part, material, scene, texture/,
  },
  {
    name: 'a dataset folder that does not exist',
    args: (c) => dissectArgs(c, { '--dataset': path.join(c.tmp, 'no-such-dataset') }),
    code: 2,
    message: /--dataset .*no-such-dataset: no such file or folder/,
  },
  // --- models ---
  {
    name: 'a model file that is not ONNX', after: 'untouched',
    args: (c) => dissectArgs(c, { '--model': c.models.notOnnx }),
    code: 1,
    message: /not-onnx\.onnx: not an ONNX model/,
  },
  {
    name: 'a missing model file', after: 'untouched',
    args: (c) => dissectArgs(c, { '--model': path.join(c.tmp, 'absent.onnx') }),
    code: 1,
    message: /absent\.onnx: cannot read the model: ENOENT \(no such file or folder\); check the --model path/,
  },
  {
    name: 'a model with two inputs', after: 'untouched',
    args: (c) => dissectArgs(c, { '--model': c.models.twoInputs, '--layer': 'conv1' }),
    code: 1,
    message: /two-inputs\.onnx: the model has 2 inputs \(image, extra\); expected exactly one image input/,
  },
  {
    name: 'a model whose input is not an image ([N,10])', after: 'untouched',
    args: (c) => dissectArgs(c, { '--model': c.models.vector, '--layer': 'out' }),
    code: 1,
    message: /vector\.onnx: input 'features' is float32 \[N,10\]; expected a float32 image \[N,3,H,W\]/,
  },
  {
    name: 'a layer name that does not exist (near names suggested)', after: 'untouched',
    args: (c) => dissectArgs(c, { '--layer': 'relu' }),
    code: 2,
    message: /two-conv\.onnx: no tensor named 'relu'; did you mean 'relu1'.*netdissect layers/,
  },
  {
    name: 'a layer that is not 4-D', after: 'untouched',
    args: (c) => dissectArgs(c, { '--layer': 'flat' }),
    code: 2,
    message: /two-conv\.onnx: 'flat' is float32 \[N,2048\] \(2-D\), not a per-image 4-D activation \[N,units,h,w\]; pick a convolutional layer/,
  },
  {
    name: 'a weight asked for as a layer',
    args: (c) => dissectArgs(c, { '--layer': 'W1' }),
    code: 2,
    message: /two-conv\.onnx: 'W1' is a weight \(an initializer of the model\), not an activation of the image; `netdissect layers` lists the activations/,
  },
  {
    name: 'NaN activations (Log of a negative number)', after: 'failed',
    args: (c) => dissectArgs(c, { '--model': c.models.nan, '--layer': 'bad' }),
    code: 1,
    message: /layer 'bad' unit \d+ has NaN or infinite activations on image .*\.jpg \(index 0\)/,
  },
  {
    name: 'infinite activations (division by zero)', after: 'failed',
    args: (c) => dissectArgs(c, { '--model': c.models.inf, '--layer': 'bad' }),
    code: 1,
    message: /layer 'bad' unit \d+ has NaN or infinite activations on image .*\.jpg \(index 0\)/,
  },
  // --- the run directory ---
  {
    name: 'an output path that is a file', after: 'untouched',
    args: (c) => { writeFileSync(c.out, 'x'); return dissectArgs(c); },
    code: 1,
    message: /--out .* is a file, not a folder; choose another --out/,
  },
  {
    name: 'an output path below a file', after: 'untouched',
    args: (c) => { writeFileSync(c.out, 'x'); return dissectArgs(c, { '--out': c.useOut(path.join(c.out, 'run')) }); },
    code: 1,
    message: /cannot create the output folder .*: ENOTDIR \(a part of the path is a file, not a folder\)/,
  },
  {
    name: 'a read-only output folder', after: 'untouched',
    args: (c) => {
      const ro = path.join(c.tmp, 'read-only');
      mkdirSync(ro);
      if (process.getuid?.() === 0) {
        // root writes through permission bits: mount a read-only file system instead.
        if (!tryMount(['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', ro])) return null;
        mounts.push(ro);
      } else {
        execFileSync('chmod', ['555', ro]);
      }
      return dissectArgs(c, { '--out': c.useOut(path.join(ro, 'run')) });
    },
    code: 1,
    message: /cannot create the output folder .*read-only\/run: (EROFS \(read-only file system\)|EACCES \(permission denied\)); choose another --out/,
  },
  {
    // The same on every machine: creating folders under it fails with EROFS in node:fs.
    name: 'a read-only output folder (simulated EROFS)', after: 'untouched',
    args: (c) => {
      const ro = path.join(c.tmp, 'read-only');
      mkdirSync(ro);
      return dissectArgs(c, { '--out': c.useOut(path.join(ro, 'run')) });
    },
    fsFault: (c) => ({ code: 'EROFS', on: 'mkdir', under: path.join(c.tmp, 'read-only') }),
    code: 1,
    message: /cannot create the output folder .*read-only\/run: EROFS \(read-only file system\); choose another --out\.$/,
  },
  {
    // A 32 KiB disk: the run starts, and the disk is full by the time the outputs are written.
    name: 'a full output disk (ENOSPC)', after: 'failed',
    args: (c) => {
      const small = path.join(c.tmp, 'full');
      mkdirSync(small);
      if (!tryMount(['-t', 'tmpfs', '-o', 'size=32k', 'tmpfs', small])) return null;
      mounts.push(small);
      return dissectArgs(c, { '--out': c.useOut(path.join(small, 'run')), '--memory-budget': '1M' });
    },
    code: 1,
    message: /full\/run.*: ENOSPC \(no space left on the device\); free some space and rerun the same command/,
  },
  {
    // The same on every machine: every file opened for writing in the layer's folder fails with
    // ENOSPC, as on a disk that fills up while the outputs are written.
    name: 'a disk that fills while the outputs are written (simulated ENOSPC)', after: 'failed',
    args: (c) => dissectArgs(c, { '--out': c.useOut(path.join(c.tmp, 'full', 'run')) }),
    fsFault: (c) => ({ code: 'ENOSPC', on: 'write', under: path.join(c.tmp, 'full', 'run', 'relu1') }),
    code: 1,
    message: /cannot write .*full\/run\/relu1\/[a-z-]+\.(json|csv|seg): ENOSPC \(no space left on the device\); free some space and rerun the same command \(it resumes from its last checkpoint, if any\)\.$/,
  },
  {
    // Fails while writing the outputs, after relu1's are written: they are removed again.
    name: 'an output file that cannot be written (a folder in its place)', after: 'failed',
    args: (c) => {
      mkdirSync(path.join(c.out, 'conv2', 'results.json'), { recursive: true });
      return dissectArgs(c, { '--layer': 'relu1,conv2' });
    },
    code: 1,
    message: /cannot write .*run\/conv2\/results\.json: EISDIR \(it is a folder\); check the output folder/,
    check: (c) => {
      assert.ok(statSync(path.join(c.out, 'conv2', 'results.json')).isDirectory(), 'the folder in the way is left alone');
      const relu1 = path.join(c.out, 'relu1');
      if (existsSync(relu1)) assert.deepEqual(readdirSync(relu1), [], "relu1's outputs, written before conv2 failed, are removed");
    },
  },
  // --- options: usage errors, exit 2 ---
  { name: '--quantile out of range', args: (c) => dissectArgs(c, { '--quantile': '2' }), code: 2, message: /--quantile must be a number strictly between 0 and 1, got '2'/ },
  { name: '--batch 0', args: (c) => dissectArgs(c, { '--batch': '0' }), code: 2, message: /--batch must be between 1 and 4096, got 0/ },
  { name: '--iou-threshold negative', args: (c) => dissectArgs(c, { '--iou-threshold': '-1' }), code: 2, message: /--iou-threshold must be a number between 0 and 1, got '-1'/ },
  { name: 'unknown --semantics', args: (c) => dissectArgs(c, { '--semantics': 'paper' }), code: 2, message: /--semantics must be 'original' or 'lite', got 'paper'/ },
  { name: 'unknown --preprocess', args: (c) => dissectArgs(c, { '--preprocess': 'vgg' }), code: 2, message: /unknown --preprocess 'vgg'; presets: netdissect, imagenet, inception, mobilenet/ },
  { name: 'a misspelt option', args: (c) => dissectArgs(c, {}, '--quantil', '0.01'), code: 2, message: /unknown option '--quantil' \(Did you mean --quantile\?\) \(run with --help for usage\)/ },
  { name: 'no --layer', args: (c) => dissectArgs(c, { '--layer': null }), code: 2, message: /give at least one --layer/ },
  { name: 'no --out', args: (c) => dissectArgs(c, { '--out': null }), code: 2, message: /required option '--out <dir>' not specified/ },
];

const mounts: string[] = [];

/** What is at `p`: absent, a file's bytes, or a folder's entries (names with their type). */
function snapshot(p: string): unknown {
  if (!existsSync(p)) return 'absent';
  if (!statSync(p).isDirectory()) return { file: readFileSync(p).toString('base64') };
  return { folder: readdirSync(p, { withFileTypes: true }).map((e) => `${e.name}${e.isDirectory() ? '/' : ''}`).sort() };
}

/** A run that started and failed: run.json says so with the stderr line, no outputs, no lock. */
function assertFailedRun(out: string, line: string): void {
  const runJson = path.join(out, 'run.json');
  assert.ok(existsSync(runJson), `${runJson} records the failed run`);
  const run = JSON.parse(readFileSync(runJson, 'utf8')) as RunManifest;
  assert.equal(run.state, 'failed');
  assert.equal(`netdissect: error: ${run.error}`, line);
  assert.ok(run.layers.length > 0, 'run.json lists the layers');
  for (const layer of run.layers) {
    for (const f of LAYER_OUTPUTS) {
      const file = path.join(out, layer.dir, f);
      assert.ok(!existsSync(file) || statSync(file).isDirectory(), `no ${layer.dir}/${f} from a failed run`);
    }
  }
  assert.ok(!existsSync(path.join(out, 'labels.csv')), 'no labels.csv from a failed run');
  assert.ok(!existsSync(path.join(out, '.lock')), 'the lock is released');
  assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left');
}

/** Mount a file system for a test (root only); false when this machine does not allow it. */
function tryMount(args: readonly string[]): boolean {
  try {
    execFileSync('mount', args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('bad inputs: one clear error line each (real CLI)', () => {
  let tmp = '';
  let good = '';
  let image10 = '';
  let object10 = '';
  const models = {} as Record<keyof Ctx['models'], string>;

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'nd-bad-'));
    good = path.join(tmp, 'good');
    await generateSyntheticBroden({ images: 24, seed: 3, size: SIZE, format: 'jpeg', out: good });
    const ds = await openBroden(good);
    const rec = ds.images[10]!;
    image10 = rec.file;
    // Image 10's object label map: the index.csv row names it.
    const row = readFileSync(path.join(good, 'index.csv'), 'utf8').split('\n').find((l) => l.startsWith(`${image10},`))!;
    object10 = row.split(',')[7]!.split(';').find((p) => p.endsWith('.png'))!;
    assert.ok(object10, `image 10 has an object label map: ${row}`);
    const write = (name: string, bytes: Uint8Array | string): string => { const f = path.join(tmp, name); writeFileSync(f, bytes); return f; };
    models.good = write('two-conv.onnx', twoConvModel(SIZE));
    models.nan = write('nan.onnx', nonFiniteModel(SIZE, 'Log'));
    models.inf = write('inf.onnx', nonFiniteModel(SIZE, 'Div'));
    models.twoInputs = write('two-inputs.onnx', twoInputModel(SIZE));
    models.vector = write('vector.onnx', vectorInputModel());
    models.notOnnx = write('not-onnx.onnx', 'name,value\nthis,is not a model\n');
  });
  after(() => {
    for (const m of mounts) { try { execFileSync('umount', [m], { stdio: 'ignore' }); } catch { /* left for the OS */ } }
    try {
      if (!process.env['KEEP']) rmSync(tmp, { recursive: true, force: true });
    } catch {
      // a mount that would not go: the temporary folder stays
    }
  });

  it('the catalogue has at least 20 bad inputs', () => {
    assert.ok(CASES.filter((c) => c.code !== 0).length >= 20);
  });

  it('the good dataset and model run cleanly', async () => {
    const out = path.join(tmp, 'good-run');
    const r = await runCliToEnd(['dissect', '--quiet', '--model', models.good, '--dataset', good, '--layer', 'relu1,conv2', '--out', out, '--preprocess', 'mobilenet']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  });

  CASES.forEach((k, i) => {
    it(k.name, async (t) => {
      const caseDir = path.join(tmp, `case-${i}`);
      mkdirSync(caseDir);
      let copy: string | null = null;
      let out = path.join(caseDir, 'run');
      const ctx: Ctx = {
        tmp: caseDir,
        get out() { return out; },
        useOut(dir: string) { out = dir; return dir; },
        image10,
        object10,
        models,
        dataset() {
          if (copy === null) { copy = path.join(caseDir, 'dataset'); cpSync(good, copy, { recursive: true }); }
          return copy;
        },
      };
      const args = k.args ? await k.args(ctx) : dissectArgs(ctx);
      if (args === null) return t.skip('cannot mount a file system here (needs root); the simulated case covers it');
      const before = snapshot(ctx.out);
      const r = await runCliToEnd(args, k.fsFault ? { fsFault: k.fsFault(ctx) } : {});
      assert.equal(r.code, k.code, `exit code\n${r.stderr}`);
      if (k.code !== 0) {
        const lines = r.stderr.split('\n').filter((l) => l !== '');
        assert.equal(lines.length, 1, `one line on stderr:\n${r.stderr}`);
        const line = lines[0]!;
        assert.ok(line.startsWith('netdissect: error: '), line);
        assert.doesNotMatch(r.stderr, /\n\s+at |internal error|\[object|undefined/, 'no stack trace or internal error');
        if (k.message) assert.match(line, typeof k.message === 'function' ? k.message(ctx) : k.message);
        // For docs/reliability.md: ND_CATALOGUE=FILE collects each case's message.
        if (process.env['ND_CATALOGUE']) appendFileSync(process.env['ND_CATALOGUE'], `${k.name}\t${k.code}\t${line.split(caseDir).join('…')}\n`);
        const after = k.after ?? (k.code === 2 ? 'untouched' : undefined);
        assert.ok(after, 'a failing case of exit 1 must say what the run directory holds afterwards');
        if (after === 'untouched') assert.deepEqual(snapshot(ctx.out), before, `${ctx.out} is as the case left it`);
        else assertFailedRun(ctx.out, line);
      }
      k.check?.(ctx, r);
    });
  });
});
