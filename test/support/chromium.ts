// Debian's headless Chromium, driven with an argument array (no npm package): the DOM after load, or a screenshot.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.CHROMIUM ?? 'chromium';

function run(args: string[], timeoutMs: number): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'deckhand-chromium-'));
  const base = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--no-default-browser-check',
    '--hide-scrollbars',
    `--user-data-dir=${profile}`,
  ];
  return new Promise<string>((resolve, reject) => {
    execFile(CHROMIUM, [...base, ...args], { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      rmSync(profile, { recursive: true, force: true });
      if (err) reject(new Error(`chromium failed: ${err.message}\n${stderr.slice(-2000)}`));
      else resolve(stdout);
    });
  });
}

/** The serialised DOM of a page as Chromium rendered it. */
export function dumpDom(url: string, timeoutMs = 30000): Promise<string> {
  return run(['--dump-dom', url], timeoutMs);
}

/** A PNG screenshot of a page. */
export async function screenshot(url: string, file: string, size = '1100,800', timeoutMs = 30000): Promise<void> {
  await run([`--screenshot=${file}`, `--window-size=${size}`, url], timeoutMs);
}
