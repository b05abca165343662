// Downloading and unpacking a dataset archive: resumable (HTTP Range on DEST/.partial), verified
// (SHA-256), and put in place only when complete (extracted to a temporary folder, then renamed),
// so an interrupted run leaves nothing that looks like a usable dataset.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { DatasetError } from '../util/errors.js';

export const BRODEN_URLS: Readonly<Record<'224' | '227', string>> = {
  '224': 'http://netdissect.csail.mit.edu/data/broden1_224.zip',
  '227': 'http://netdissect.csail.mit.edu/data/broden1_227.zip',
};

export interface Progress {
  readonly received: number;
  /** Total bytes, when the server says. */
  readonly total?: number;
  /** Bytes per second over this session (not counting resumed bytes). */
  readonly speed: number;
}

/**
 * Download `url` into `partial`, appending to what is already there (Range request). Resolves when
 * the whole body is in; rejects (keeping the partial file) when the connection drops.
 */
export async function downloadResumable(url: string, partial: string, onProgress?: (p: Progress) => void): Promise<void> {
  const have = await stat(partial).then((s) => s.size, () => 0);
  const res = await get(url, have > 0 ? { Range: `bytes=${have}-` } : {});
  if (res.statusCode === 416 && have > 0) {
    res.resume();
    return; // already complete
  }
  let start = 0;
  if (res.statusCode === 206) start = have;
  else if (res.statusCode !== 200) {
    res.resume();
    throw new DatasetError(`download ${url}: HTTP ${res.statusCode}; check the address (--url) and try again`);
  }
  const length = Number(res.headers['content-length']);
  const total = Number.isFinite(length) ? start + length : undefined;
  let received = start;
  const t0 = Date.now();
  const out = createWriteStream(partial, start > 0 ? { flags: 'a' } : { flags: 'w' });
  // Written by hand rather than with pipeline(): on a dropped connection every byte received must
  // still reach the file (pipeline would destroy the file stream and lose buffered writes).
  const complete = await new Promise<boolean>((resolve, reject) => {
    let settled = false;
    const finish = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      out.end(() => resolve(ok));
    };
    out.on('error', (err) => reject(new DatasetError(`cannot write ${partial}: ${err.message}; check the --dest folder`)));
    res.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // No pause on backpressure: a paused response that then loses its connection drops its
      // buffered bytes; disks outpace the network, so the write buffer stays small.
      out.write(chunk);
      const seconds = Math.max((Date.now() - t0) / 1000, 1e-3);
      onProgress?.({ received, ...(total !== undefined ? { total } : {}), speed: (received - start) / seconds });
    });
    res.on('end', () => finish(res.complete));
    res.on('error', () => finish(false));
    res.on('close', () => finish(res.complete));
  });
  if (!complete || (total !== undefined && received !== total)) {
    throw new DatasetError(
      `download ${url} interrupted at ${received}${total !== undefined ? ` of ${total}` : ''} bytes; run the same command again to resume`,
    );
  }
}

function get(url: string, headers: Record<string, string>, redirects = 5): Promise<http.IncomingMessage> {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.get(url, { headers }, (res) => {
      const loc = res.headers.location;
      if (res.statusCode !== undefined && res.statusCode >= 300 && res.statusCode < 400 && loc && redirects > 0) {
        res.resume();
        resolve(get(new URL(loc, url).toString(), headers, redirects - 1));
      } else resolve(res);
    });
    req.on('error', (err) => reject(new DatasetError(`download ${url}: ${err.message}; check the network and the address (--url)`)));
  });
}

/** SHA-256 of a file, hex. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Extract the zip `zipFile` into `destDir`: into `destDir/.extracting` first, then each top-level
 * entry is renamed into place. Refuses entries that would land outside the folder, and top-level
 * names that already exist. Returns the top-level names.
 */
export async function extractZip(zipFile: string, destDir: string): Promise<string[]> {
  const tmp = path.join(destDir, '.extracting');
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(zipFile, { lazyEntries: true, strictFileNames: false }, (err, z) => (err || !z ? reject(err) : resolve(z))),
  ).catch((err: Error) => {
    throw new DatasetError(`${zipFile}: not a readable zip archive (${err.message}); delete it and download again`);
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void => {
      zip.close();
      reject(err instanceof DatasetError ? err : new DatasetError(`${zipFile}: cannot extract (${err.message}); delete it and download again`));
    };
    zip.on('error', fail);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      const target = path.resolve(tmp, entry.fileName);
      if (!target.startsWith(tmp + path.sep)) return fail(new DatasetError(`${zipFile}: entry ${entry.fileName} points outside the folder; refusing to extract`));
      if (entry.fileName.endsWith('/')) {
        mkdir(target, { recursive: true }).then(() => zip.readEntry(), fail);
        return;
      }
      mkdir(path.dirname(target), { recursive: true })
        .then(
          () =>
            new Promise<void>((res, rej) =>
              zip.openReadStream(entry, (err, stream) => (err || !stream ? rej(err) : pipeline(stream, createWriteStream(target)).then(res, rej))),
            ),
        )
        .then(() => zip.readEntry(), fail);
    });
    zip.readEntry();
  });
  const tops = await readdir(tmp);
  for (const name of tops) {
    const exists = await stat(path.join(destDir, name)).then(() => true, () => false);
    if (exists) throw new DatasetError(`${path.join(destDir, name)} already exists; move it away or choose another --dest`);
  }
  for (const name of tops) await rename(path.join(tmp, name), path.join(destDir, name));
  await rm(tmp, { recursive: true, force: true });
  return tops;
}

export interface FetchOptions {
  readonly url: string;
  readonly dest: string;
  readonly sha256?: string;
  readonly onProgress?: (p: Progress) => void;
}

/** Download (resuming DEST/.partial), verify, extract into DEST; returns the extracted top-level paths. */
export async function fetchArchive(options: FetchOptions): Promise<string[]> {
  await mkdir(options.dest, { recursive: true });
  const partial = path.join(options.dest, '.partial');
  await downloadResumable(options.url, partial, options.onProgress);
  if (options.sha256 !== undefined) {
    const actual = await sha256File(partial);
    if (actual !== options.sha256.toLowerCase()) {
      await rm(partial, { force: true });
      throw new DatasetError(`${options.url}: SHA-256 ${actual} differs from --sha256 ${options.sha256}; the download was deleted, run again to retry`);
    }
  }
  const tops = await extractZip(partial, options.dest);
  await rm(partial, { force: true });
  return tops.map((t) => path.join(options.dest, t));
}

/** "12.3 MB" style sizes for progress lines. */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}
