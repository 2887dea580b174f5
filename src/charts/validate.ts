// Strict patterns for everything that reaches a values file or a git argument vector. A value typed
// in chat is checked here before any file is read or any process started.
import { BRANCH, KEY, REMOTE } from '../config/charts.js';
import { ChartsNotConfiguredError, InvalidFlagNameError, InvalidVersionError } from './errors.js';

export { BRANCH, KEY, REMOTE };

/** Superset's FEATURE_FLAGS keys: ALERT_REPORTS, DASHBOARD_NATIVE_FILTERS, … */
export const FLAG_NAME = /^[A-Z][A-Z0-9_]{0,99}$/;
/**
 * An image version as the charts use it: a Docker tag (`2026-02-16-150514-<40 hex>`, `latest`,
 * `airflow-2.11.2-py3.11-2026-06-10-101010`), optionally pinned to a digest (`@sha256:<64 hex>`).
 * Docker's own tag grammar (`[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`), minus a leading `_`.
 */
export const VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}(?:@sha256:[0-9a-f]{64})?$/;
/** The full form the Wikimedia image builds produce: `<UTC stamp>-<git sha>@sha256:<digest>`. */
export const IMAGE_VERSION = /^(?:[a-z0-9][a-z0-9.-]*-)?\d{4}-\d{2}-\d{2}-\d{6}-[0-9a-f]{40}@sha256:[0-9a-f]{64}$/;

/** A path inside the checkout, relative: no `..`, no leading `-` or `/`, nothing a shell or git could read as more. */
export const REL_PATH = /^[A-Za-z0-9._][A-Za-z0-9._/-]{0,499}$/;
/** A job id as it appears in commit messages and review refs. */
export const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function checkFlagName(name: string): string {
  if (!FLAG_NAME.test(name)) throw new InvalidFlagNameError(name);
  return name;
}

export function checkVersion(version: string): string {
  if (!VERSION.test(version)) throw new InvalidVersionError(version);
  return version;
}

/** `config.superset.feature_flags` → its keys; the config is wrong when one is not a plain key. */
export function splitPath(dotted: string, what = 'path'): string[] {
  const keys = dotted.split('.');
  if (!keys.every((k) => KEY.test(k))) throw new ChartsNotConfiguredError(`${what} "${dotted}" is not a dotted path of plain keys (check the config)`);
  return keys;
}

export function checkRelPath(rel: string, what: string): string {
  const parts = rel.split('/');
  if (!REL_PATH.test(rel) || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new ChartsNotConfiguredError(`${what} "${rel}" must be a plain path relative to the deployment-charts checkout (check the config)`);
  }
  return rel;
}

export function checkRef(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value) || value.includes('..') || value.includes('//') || value.endsWith('/') || value.endsWith('.lock') || value.includes('@{')) {
    throw new ChartsNotConfiguredError(`${what} "${value}" is not a plain git name (check the config)`);
  }
  return value;
}
