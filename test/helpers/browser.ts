// Chromium driven by playwright-core, launched the same way by every browser test: headless, and
// with the background services off (this machine's network is closed). The browser is the one
// named by NETDISSECT_CHROMIUM, else the first chromium found on the PATH. Without one the browser
// tests skip with a message, except in CI, where they fail (test/helpers/shared.ts).
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { requirementMissing } from './shared.js';

/** Names tried on the PATH, in order (Debian's package, Ubuntu's, Google's builds). */
export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'] as const;

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The chromium executable to use, or why there is none: $NETDISSECT_CHROMIUM when set (it must
 * be an executable file), else the first of CHROMIUM_NAMES in a PATH folder.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): { path: string } | { missing: string } {
  const named = env['NETDISSECT_CHROMIUM'];
  if (named !== undefined && named !== '') {
    return isExecutable(named) ? { path: named } : { missing: `NETDISSECT_CHROMIUM=${named} is not an executable file` };
  }
  const dirs = (env['PATH'] ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const name of CHROMIUM_NAMES) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      if (isExecutable(file)) return { path: file };
    }
  }
  return { missing: `no chromium on the PATH (tried ${CHROMIUM_NAMES.join(', ')})` };
}

const found = findChromium();

/** The chromium executable, or null when there is none. */
export const CHROMIUM: string | null = 'path' in found ? found.path : null;

/** Skip reason when chromium is absent, or null. In CI a missing chromium throws here instead. */
export const chromiumMissing: string | null = 'path' in found
  ? null
  : requirementMissing(
    `${found.missing}: the browser test needs chromium`,
    'install it (apt-get install -y chromium) or set NETDISSECT_CHROMIUM to its executable',
  );

export function launchChromium(): Promise<Browser> {
  if (CHROMIUM === null) throw new Error(`cannot launch chromium: ${chromiumMissing ?? 'not found'}`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Record console errors and warnings, page errors, dialogs and failed requests into `problems`. */
export function recordProblems(page: Page, problems: string[]): void {
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
}
