// The class-name file of an image + label-PNG folder: one name per line, the first line naming
// class id 0, line k+1 naming class id k.
import { readFile } from 'node:fs/promises';
import { report, type DatasetProblem } from '../problems.js';

/**
 * Parse class names; index = class id. A trailing newline and `\r` are accepted. Empty names
 * (other than for the ignore id) and duplicate names are problems; their ids get no label.
 */
export function parseClasses(
  text: string,
  file: string,
  ignore: number | undefined,
  sink?: DatasetProblem[],
): (string | undefined)[] {
  const lines = text.replace(/^\ufeff/, '').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const names: (string | undefined)[] = [];
  const seen = new Map<string, number>();
  lines.forEach((raw, id) => {
    const name = raw.replace(/\r$/, '').trim();
    if (id === ignore) return;
    if (name === '') {
      report(sink, { severity: 'error', file, line: id + 1, message: `empty class name for class id ${id}; write one name per line (line k+1 names class id k)` });
      return;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      report(sink, { severity: 'error', file, line: id + 1, message: `class name '${name}' repeats line ${first + 1}; class names must be unique` });
      return;
    }
    seen.set(name, id);
    names[id] = name;
  });
  if (names.every((n) => n === undefined)) {
    report(sink, { severity: 'error', file, message: 'no class names; write one name per line (line k+1 names class id k)' });
  }
  return names;
}

/** Read and parse a class-name file; an unreadable file is reported like any other problem. */
export async function readClasses(
  file: string,
  ignore: number | undefined,
  sink?: DatasetProblem[],
): Promise<(string | undefined)[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    report(sink, { severity: 'error', file, message: `cannot read the class-name file: ${(err as Error).message}` });
    return [];
  }
  return parseClasses(text, file, ignore, sink);
}
