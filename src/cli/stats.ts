// `netdissect stats TALLY.csv...`: detector statistics of dissected layers from their tally.csv
// (ours, NetDissect-Lite's or the original tool's), as a table or JSON on stdout.
import type { Command } from 'commander';
import { tallyStats, type DetectorStats } from '../experiments/tally-stats.js';
import { numberOption } from './options.js';

interface StatsOptions {
  readonly iouThreshold: number;
  readonly json?: boolean;
}

export function register(program: Command): void {
  program
    .command('stats')
    .summary('detector statistics of tally.csv files (ours, NetDissect-Lite, original NetDissect)')
    .description(
      'Detector statistics of tally.csv files (this tool, NetDissect-Lite or the original NetDissect): ' +
        'detectors per category (by best label), unique concepts, and the paper\'s unique detectors ' +
        '(per category, distinct labels among units whose category-best IoU passes; summed)',
    )
    .argument('<tally...>', 'tally.csv files (columns found by header name; CRLF or LF)')
    .option('--iou-threshold <t>', 'a unit counts when its IoU is strictly above this', numberOption('--iou-threshold', 0, 1, false), 0.04)
    .option('--json', 'print JSON (one object per file, with the concepts) instead of a table')
    .action((files: string[], opts: StatsOptions) => {
      // Read every file first so a malformed one fails before anything is printed.
      const results = files.map((file) => ({ file, stats: tallyStats(file, opts.iouThreshold) }));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(results.map((r) => ({ file: r.file, ...r.stats })), null, 2)}\n`);
      } else {
        process.stdout.write(results.map((r) => formatStats(r.file, r.stats)).join('\n'));
      }
    });
}

/** The readable table of one file's statistics. */
export function formatStats(file: string, s: DetectorStats): string {
  const head = ['category', 'detectors', 'unique concepts', 'category detectors', 'unique detectors'];
  const rows = s.perCategory.map((c) => [c.category, c.detectors, c.uniqueConcepts, c.categoryDetectors, c.uniqueDetectors].map(String));
  const categoryDetectors = s.perCategory.reduce((t, c) => t + c.categoryDetectors, 0);
  rows.push(['total', s.detectors, s.uniqueConcepts, categoryDetectors, s.uniqueDetectors].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ')}\n`;
  return (
    `${file}\n` +
    `  ${s.units} units; IoU > ${s.iouThreshold}: ${s.detectors} detectors, ${s.uniqueConcepts} unique concepts (best label), ` +
    `${s.uniqueDetectors} unique detectors (paper)\n` +
    line(head) +
    rows.map(line).join('')
  );
}
