// Nothing secret reaches chat or the kept log: values of secrets the bot knows (its own, configured
// environment variables, strings of secret values files), and anything shaped like a credential.
// Streams are redacted line by line, statefully: a PEM block spans lines, and a known secret wrapped
// onto the next line (base64 at 76 columns, a terminal's wrap) is caught across the break.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { Config } from '../config/schema.js';
import { oneLine } from '../core/sanitize.js';
import { secretValuesFiles } from './plan.js';

export const REDACTED = '[redacted]';
/** Shorter values are too likely to be ordinary words or numbers to replace everywhere. */
const MIN_SECRET = 6;

const KEYWORD = String.raw`(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|private[_-]?key|access[_-]?key|credentials?)`;
// `password: x`, `"secret_key": "x"`, `SECRET_KEY = 'x'`, `--token=x`: keep the key, hide the rest of the line.
const KEY_VALUE = new RegExp(String.raw`^(.*?[\w.-]*${KEYWORD}[\w.-]*["']?\s*[:=]\s*)(\S.*)$`, 'i');
// Values that say nothing: a YAML block follows, booleans, empty.
const HARMLESS_VALUE = /^(?:[|>][-+]?\d*|true|false|null|~|""|''|\{\}|\[\]|\[redacted\].*)$/i;
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;
// Well-known token shapes: Slack, GitHub, GitLab, AWS access keys, JWTs.
const TOKEN_SHAPES =
  /\b(?:xox[abposr]-[A-Za-z0-9-]{10,}|xapp-[A-Za-z0-9-]{10,}|gh[pousr]_[A-Za-z0-9]{20,}|glpat-[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})\b/g;
// Base64 of key length (≥ 32 characters). Hex (digests, git and image ids) is not a secret.
const BASE64ISH = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9+/_-])/g;
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]+-----/;
const PEM_END = /-----END [A-Z0-9 ]+-----/;

function looksLikeKey(s: string): boolean {
  const body = s.replace(/=+$/, '');
  if (/^[0-9a-f]+$/i.test(body)) return false; // hex digest
  if (/^[a-z0-9-]+$/.test(body) || /^[A-Z0-9_]+$/.test(body)) return false; // kebab names, CONSTANT_NAMES
  if (/^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)+$/i.test(body)) return false; // words joined by - or _
  return /[A-Z]/.test(body) && /[a-z]/.test(body) && /[0-9+/]/.test(body);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A redacting line filter with memory. `push` may hold a line back (it could end with half a secret); `end` lets it go. */
export interface LineFilter {
  push(line: string): string[];
  end(): string[];
}

/** A line's tail this long that starts a known secret is held back until the next line shows whether the secret goes on. */
const HOLD_PREFIX = 3;
// Continuation lines keep their diff marker and indentation.
const CONTINUATION_INDENT = /^(?:[+-](?=\s))?\s*/;

export class Redactor {
  private readonly known: RegExp | undefined;
  private readonly values: string[];

  constructor(secrets: Iterable<string>) {
    const values = new Set<string>();
    for (const s of secrets) {
      if (typeof s !== 'string' || s.length < MIN_SECRET) continue;
      values.add(s);
      // as it appears in a Kubernetes Secret's data, and URL-encoded in a DSN
      values.add(Buffer.from(s).toString('base64').replace(/=+$/, ''));
      values.add(encodeURIComponent(s));
    }
    const sorted = [...values].filter((v) => v.length >= MIN_SECRET).sort((a, b) => b.length - a.length);
    this.known = sorted.length ? new RegExp(sorted.map(escapeRe).join('|'), 'g') : undefined;
    this.values = sorted;
  }

  /** One line of text, redacted and stripped of control characters. Stateless: PEM lines alone are caught by the stream. */
  line(text: string): string {
    let s = oneLine(text);
    if (this.known) s = s.replace(this.known, REDACTED);
    s = s.replace(URL_USERINFO, `$1${REDACTED}@`);
    s = s.replace(BEARER, `$1 ${REDACTED}`);
    s = s.replace(TOKEN_SHAPES, REDACTED);
    const kv = KEY_VALUE.exec(s);
    if (kv && !HARMLESS_VALUE.test(kv[2]!.trim())) s = kv[1] + REDACTED;
    s = s.replace(BASE64ISH, (m) => (looksLikeKey(m) ? REDACTED : m));
    return s;
  }

  /**
   * A redacting line filter with memory: everything between PEM BEGIN and END is hidden, and a known
   * secret split over two lines is hidden in both (the first is held back only while its tail could start one).
   */
  stream(): LineFilter {
    let inPem = false;
    let held: string | undefined;
    const pem = (line: string): string => {
      if (inPem) {
        if (PEM_END.test(line)) inPem = false;
        return line.replace(/^((?:[+-](?=\s))?\s*).*$/, `$1${REDACTED}`);
      }
      const begin = PEM_BEGIN.exec(line);
      if (begin) {
        if (!PEM_END.test(line.slice(begin.index + begin[0].length))) inPem = true;
        return this.line(line.slice(0, begin.index)) + `${REDACTED} (PEM block)`;
      }
      return this.line(line);
    };
    // the line before, already let go: a secret's first one or two characters at its end are too few to hold lines back for
    let previous: string | undefined;
    // raw text is compared (redaction may have changed either line), the redacted text is let go
    let heldRaw = '';
    return {
      push: (input) => {
        let raw = input;
        const out: string[] = [];
        const before = held !== undefined ? heldRaw : previous;
        const split = before === undefined ? undefined : this.splitAcross(before, raw);
        if (split) {
          raw = raw.slice(0, split.indent) + REDACTED + raw.slice(split.indent + split.head);
          if (held?.endsWith(heldRaw.slice(heldRaw.length - split.tail))) held = held.slice(0, held.length - split.tail) + REDACTED;
        }
        if (held !== undefined) out.push(held);
        held = undefined;
        const line = pem(raw);
        if (this.startsSecretAtEnd(raw)) [held, heldRaw] = [line, raw];
        else out.push(line);
        previous = raw;
        return out;
      },
      end: () => {
        const out = held === undefined ? [] : [held];
        held = undefined;
        return out;
      },
    };
  }

  /** Whether the line ends with the first HOLD_PREFIX or more characters of a known secret. */
  private startsSecretAtEnd(line: string): boolean {
    return this.values.some((v) => {
      for (let k = Math.min(v.length - 1, line.length); k >= HOLD_PREFIX; k--) if (line.endsWith(v.slice(0, k))) return true;
      return false;
    });
  }

  /** A known secret whose start ends `first` and whose rest starts `second` (or its text after a diff marker and indentation). */
  private splitAcross(first: string, second: string): { tail: number; head: number; indent: number } | undefined {
    const indents = [0, CONTINUATION_INDENT.exec(second)![0].length];
    for (const v of this.values) {
      for (let k = Math.min(v.length - 1, first.length); k >= 1; k--) {
        if (first.charCodeAt(first.length - 1) !== v.charCodeAt(k - 1) || !first.endsWith(v.slice(0, k))) continue;
        const indent = indents.find((i) => second.startsWith(v.slice(k), i));
        if (indent !== undefined) return { tail: k, head: v.length - k, indent };
      }
    }
    return undefined;
  }

  /** Every line of a finished text, redacted as a stream. */
  lines(lines: string[]): string[] {
    const s = this.stream();
    return [...lines.flatMap((l) => s.push(l)), ...s.end()];
  }
}

/** Environment variables the bot itself reads secrets from (its config names them). */
function botSecretEnvNames(config: Config): string[] {
  const names: string[] = [];
  if (config.irc?.sasl) names.push(config.irc.sasl.passwordEnv);
  if (config.ldap) names.push(config.ldap.bindPasswordEnv);
  if (config.slack) names.push(config.slack.signingSecretEnv, config.slack.botTokenEnv, config.slack.appTokenEnv);
  return names;
}

function stringsOf(node: unknown, out: string[]): void {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) for (const v of node) stringsOf(v, out);
  else if (node && typeof node === 'object') for (const v of Object.values(node)) stringsOf(v, out);
}

/** Every string value of a YAML file (a private values file, paws/secrets.yaml); unreadable files give nothing. */
export function secretsInYamlFile(path: string): string[] {
  try {
    const out: string[] = [];
    for (const doc of parseAllDocuments(readFileSync(path, 'utf8'), { uniqueKeys: false })) {
      if ('toJS' in doc) stringsOf(doc.toJS(), out);
    }
    return out;
  } catch {
    return [];
  }
}

/** The secret values known to this process: the bot's own, configured ones, every environment's secret values files, and extra files. */
export function knownSecrets(config: Config, extraFiles: string[] = [], env: NodeJS.ProcessEnv = process.env): string[] {
  const values: string[] = [];
  for (const name of [...botSecretEnvNames(config), ...config.deploy.secretEnv]) {
    const v = env[name];
    if (v) values.push(v);
  }
  for (const f of new Set([...config.deploy.secretFiles, ...secretValuesFiles(config), ...extraFiles])) values.push(...secretsInYamlFile(f));
  return values;
}
