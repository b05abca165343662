// Generating a synthetic dataset once per test file, and reading its CSVs without the project's
// Broden reader (so the generator's tests do not depend on the code they are meant to exercise).
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSyntheticBroden, type SyntheticOptions } from '../../src/dataset/synthetic/generate.js';

/** A fresh temporary folder for a test file. */
export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `nd-${prefix}-`));
}

export async function generate(dir: string, options: Partial<SyntheticOptions> = {}): Promise<string> {
  const out = path.join(dir, options.out ?? 'synthetic');
  await generateSyntheticBroden({ images: 40, seed: 1, size: 224, format: 'jpeg', ...options, out });
  return out;
}

/** Rows of a generated CSV as records (the generator never quotes: no cell holds a comma). */
export function readTable(file: string): Record<string, string>[] {
  const text = readFileSync(file, 'utf8');
  if (text.includes('"')) throw new Error(`${file} has quotes; this helper cannot read it`);
  const lines = text.split('\n');
  if (lines.pop() !== '') throw new Error(`${file} does not end with a newline`);
  const header = (lines.shift() as string).split(',');
  return lines.map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== header.length) throw new Error(`${file}:${i + 2}: ${cells.length} cells, header has ${header.length}`);
    return Object.fromEntries(header.map((h, j) => [h, cells[j] as string]));
  });
}

/** Every file under `root` (relative path → sha256), sorted by path. */
export function hashTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.set(path.relative(root, full), createHash('sha256').update(readFileSync(full)).digest('hex'));
    }
  };
  walk(root);
  return out;
}

/** Non-empty `;` pieces of an index.csv cell. */
export function pieces(cell: string): string[] {
  return cell.split(';').filter((p) => p !== '');
}
