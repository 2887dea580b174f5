// Figures a test measures, for the benchmark: with DECKHAND_FIGURES=<file> set (bench/faults.ts sets it
// when it runs these test files), each call merges its values into that JSON file under `name`; without
// it, nothing happens. The test is then the scenario, so the figure and the assertion cannot drift apart.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export function recordFigures(name: string, values: Record<string, unknown>): void {
  const file = process.env.DECKHAND_FIGURES;
  if (!file) return;
  const all = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>) : {};
  all[name] = { ...all[name], ...values };
  writeFileSync(file, JSON.stringify(all, null, 2));
}
