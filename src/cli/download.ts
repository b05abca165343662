// `netdissect download broden`: fetch the official Broden archive, resumable and verified.
import { Command, Option } from 'commander';
import { BRODEN_URLS, fetchArchive, formatBytes, type Progress } from '../dataset/download.js';
import { UsageError } from '../util/errors.js';

export function register(program: Command): void {
  const download = program.command('download').description('download datasets');
  download
    .command('broden')
    .description('download and unpack Broden (resumes an interrupted download; progress on stderr)')
    .addOption(new Option('--size <px>', 'image size of the release').choices(['224', '227']).default('224'))
    .requiredOption('--dest <dir>', 'folder to unpack into (the partial download is kept there as .partial)')
    .option('--url <url>', 'download from this address instead of the official one')
    .option('--sha256 <hex>', 'verify the archive against this SHA-256 before unpacking')
    .action(async (opts: { size: '224' | '227'; dest: string; url?: string; sha256?: string }) => {
      if (opts.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(opts.sha256)) {
        throw new UsageError(`--sha256 ${opts.sha256}: expected 64 hexadecimal digits`);
      }
      const url = opts.url ?? BRODEN_URLS[opts.size];
      process.stderr.write(`downloading ${url} into ${opts.dest}\n`);
      const paths = await fetchArchive({ url, dest: opts.dest, ...(opts.sha256 ? { sha256: opts.sha256 } : {}), onProgress: progress() });
      process.stderr.write('\n');
      for (const p of paths) process.stdout.write(`${p}\n`);
    });
}

/** At most one line update per 200 ms: received, total, speed, ETA. */
function progress(): (p: Progress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 200 && p.received !== p.total) return;
    last = now;
    const pct = p.total ? ` of ${formatBytes(p.total)} (${((100 * p.received) / p.total).toFixed(1)} %)` : '';
    const eta = p.total && p.speed > 0 ? `, ETA ${formatSeconds((p.total - p.received) / p.speed)}` : '';
    process.stderr.write(`${process.stderr.isTTY ? '\r' : ''}${formatBytes(p.received)}${pct}, ${formatBytes(p.speed)}/s${eta}${process.stderr.isTTY ? '   ' : '\n'}`);
  };
}

function formatSeconds(s: number): string {
  const t = Math.round(s);
  return t >= 3600 ? `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
}
