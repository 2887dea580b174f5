// Helm values files: read them the way Helm does, edit them the way a careful person would.
//
// Reading: yaml 2.x's Document with `uniqueKeys: false`, because real files repeat keys (the Superset
// chart's values.yaml has `extra_feature_flags:` twice in one map); like Helm, the last one wins.
//
// Editing: never by re-serialising the document (that re-indents, re-quotes and reflows the whole file).
// The Document is used only to find where things are (every node knows its source range); the edit is a
// splice of the original text at those offsets, so every byte outside the edited node stays as it was:
// comments, key order, quoting, indentation, blank lines. A toggle is one changed line (a flow list
// `[A, B]` → `[A, B, C]`), one added line (`- C` under a block list) or one removed line.
//
// Duplicate keys: an edit goes to the LAST occurrence (the one Helm reads) and removes the earlier
// occurrences of every key on the edited path. Those earlier ones have no effect in Helm (last wins), so
// removing them changes nothing that is deployed, and the file written has no duplicate key on that path
// (strict parsers — js-yaml, yaml's default, go-yaml's strict mode — can read what Deckhand wrote). Keeping
// the dead duplicate would be the smaller diff, but would mean writing a file with a duplicate key, and
// would leave a line that looks like the setting while another line is the setting.
//
// Every edit is checked before it is returned: the new text is parsed again and must equal the old
// values with exactly the requested change (deep equality of what Helm would read), and the edited path
// must have no duplicate left. Anything else is refused (UnsafeEditError), nothing is written.
import {
  LineCounter,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parse,
  parseDocument,
  type Document,
  type Node,
  type Pair,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { UnsafeEditError, ValuesFileError } from './errors.js';

export type Leaf = string | number | boolean | null;
export type Value = Leaf | readonly Leaf[];
export type Keys = readonly string[];

export interface ValuesFile {
  /** How the file is named in messages (its path in the checkout). */
  readonly name: string;
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

export interface Lookup {
  /** What Helm reads there (aliases resolved). */
  value: unknown;
  node: Node | null;
  /** 1-based line of the key. */
  line: number;
}

type AnyPair = Pair<unknown, unknown>;

/** Parse a values file; the top level must be a map (or nothing). Duplicate keys are accepted, last wins. */
export function readValues(text: string, name: string): ValuesFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter: lines, prettyErrors: false });
  const err = doc.errors[0];
  if (err) throw new ValuesFileError(`${name} is not valid YAML: ${err.message.split('\n')[0]}`);
  const root = doc.contents;
  if (root !== null && !isMap(root) && !(isScalar(root) && root.value === null)) throw new ValuesFileError(`${name}: the top level is not a map`);
  return { name, text, doc, lines };
}

/** What Helm reads from this file: a plain object, later duplicate keys overriding earlier ones. */
export function toPlain(vf: ValuesFile): Record<string, unknown> {
  const js: unknown = vf.doc.toJS();
  return js !== null && typeof js === 'object' && !Array.isArray(js) ? (js as Record<string, unknown>) : {};
}

export function lineOf(vf: ValuesFile, offset: number): number {
  return vf.lines.linePos(offset).line;
}

function keyOf(p: AnyPair): string | undefined {
  return isScalar(p.key) && p.key.value !== null && typeof p.key.value !== 'object' ? String(p.key.value) : undefined;
}

function pairsOf(map: YAMLMap, key: string): AnyPair[] {
  return (map.items as AnyPair[]).filter((p) => keyOf(p) === key);
}

function nodeRange(n: unknown): [number, number, number] | undefined {
  return (n as { range?: [number, number, number] } | null)?.range ?? undefined;
}

/** The value at a dotted path, as Helm would read it (the last of duplicate keys), or undefined. */
export function lookup(vf: ValuesFile, keys: Keys): Lookup | undefined {
  let cur: unknown = vf.doc.contents;
  for (let i = 0; i < keys.length; i++) {
    if (isAlias(cur)) cur = cur.resolve(vf.doc);
    if (!isMap(cur)) return undefined;
    const pair = pairsOf(cur, keys[i]!).at(-1);
    if (!pair) return undefined;
    if (i === keys.length - 1) {
      let node = pair.value as Node | null;
      if (isAlias(node)) node = (node.resolve(vf.doc) as Node | undefined) ?? null;
      const value = node === null ? null : (node as unknown as { toJS(doc: Document): unknown }).toJS(vf.doc);
      return { value, node, line: lineOf(vf, nodeRange(pair.key)?.[0] ?? 0) };
    }
    cur = pair.value;
  }
  return undefined;
}

export function getIn(vf: ValuesFile, keys: Keys): unknown {
  return lookup(vf, keys)?.value;
}

// ---------------------------------------------------------------------------------------------------
// Rendering of new scalars: plain when that reads back as the same string under YAML 1.2 (the yaml
// package) AND YAML 1.1 (go-yaml v2 in Helm: `on`, `yes`, `1_000`, `2026-02-16` mean other things
// there), and inside a flow list; otherwise double-quoted. An existing scalar keeps its quoting.

function readsBackAs(source: string, s: string): boolean {
  try {
    return sameValue(parse(source), [s]) && sameValue(parse(source, { version: '1.1' }), [s]);
  } catch {
    return false;
  }
}

function plainSafe(s: string): boolean {
  if (s === '' || /^\s|\s$|[\n\r\t]/.test(s)) return false;
  return readsBackAs(`- ${s}`, s) && readsBackAs(`[${s}]`, s);
}

export function renderLeaf(v: Leaf, style?: Scalar.Type | string): string {
  if (typeof v !== 'string') return v === null ? 'null' : String(v);
  if (style === 'QUOTE_SINGLE') return `'${v.replaceAll("'", "''")}'`;
  if (style === 'QUOTE_DOUBLE' || !plainSafe(v)) return JSON.stringify(v);
  return v;
}

function renderInline(v: Value, style?: string): string {
  return Array.isArray(v) ? `[${(v as Leaf[]).map((x) => renderLeaf(x)).join(', ')}]` : renderLeaf(v as Leaf, style);
}

// ---------------------------------------------------------------------------------------------------

interface Splice {
  start: number;
  end: number;
  text: string;
  seq: number;
}

class Editor {
  readonly text: string;
  readonly eol: string;
  readonly unit: string;
  private splices: Splice[] = [];

  constructor(readonly vf: ValuesFile) {
    this.text = vf.text;
    this.eol = vf.text.includes('\r\n') ? '\r\n' : '\n';
    this.unit = ' '.repeat(indentUnit(vf));
  }

  replace(start: number, end: number, text: string): void {
    this.splices.push({ start, end, text, seq: this.splices.length });
  }
  insert(at: number, text: string): void {
    this.replace(at, at, text);
  }

  apply(): string {
    const s = [...this.splices].sort((a, b) => a.start - b.start || a.end - b.end || a.seq - b.seq);
    let out = '';
    let pos = 0;
    for (const x of s) {
      if (x.start < pos) throw new UnsafeEditError(`could not edit ${this.vf.name} safely (overlapping changes); nothing was written — edit it by hand`);
      out += this.text.slice(pos, x.start) + x.text;
      pos = x.end;
    }
    return out + this.text.slice(pos);
  }

  lineStart(at: number): number {
    return this.text.lastIndexOf('\n', at - 1) + 1;
  }
  /** Offset of the line break ending the line that holds `at` (before a CR), or the end of the text. */
  lineEnd(at: number): number {
    const nl = this.text.indexOf('\n', at);
    if (nl === -1) return this.text.length;
    return nl > 0 && this.text[nl - 1] === '\r' ? nl - 1 : nl;
  }
  /** After the line break ending the line that holds `at`. */
  nextLine(at: number): number {
    const nl = this.text.indexOf('\n', at);
    return nl === -1 ? this.text.length : nl + 1;
  }
  /** End of a node's own text, without the line break and blank space a block collection's range takes in. */
  contentEnd(n: unknown): number {
    const r = nodeRange(n)!;
    let e = r[1];
    while (e > r[0] && /\s/.test(this.text[e - 1]!)) e--;
    return e;
  }
  /** Right after the `:` of a pair. */
  colonEnd(p: AnyPair): number {
    const r = nodeRange(p.key);
    if (!r) throw new ValuesFileError(`${this.vf.name}: cannot edit a complex key`);
    let i = r[1];
    while (this.text[i] === ' ' || this.text[i] === '\t') i++;
    if (this.text[i] !== ':') throw new ValuesFileError(`${this.vf.name}: cannot find the ":" of a key at line ${lineOf(this.vf, r[0])}`);
    return i + 1;
  }
  /** Indentation of a key as spaces (a key right after `- ` counts as indented by that much). */
  indentOf(at: number): string {
    const prefix = this.text.slice(this.lineStart(at), at);
    return /^[ \t]*(?:-[ \t]+)*$/.test(prefix) ? prefix.replace(/[^\t]/g, ' ') : ' '.repeat(prefix.length);
  }
  pairEnd(p: AnyPair): number {
    const v = p.value;
    if (v !== null && v !== undefined && !(isScalar(v) && v.value === null && v.source === '')) return this.contentEnd(v);
    return this.colonEnd(p);
  }
}

/** The indentation step of the file's block maps (2 unless the file says otherwise). */
function indentUnit(vf: ValuesFile): number {
  const counts = new Map<number, number>();
  const walk = (node: unknown, col: number | undefined) => {
    if (isMap(node) && !node.flow) {
      for (const p of node.items as AnyPair[]) {
        const r = nodeRange(p.key);
        if (!r) continue;
        const c = vf.lines.linePos(r[0]).col - 1;
        if (col !== undefined && c > col) counts.set(c - col, (counts.get(c - col) ?? 0) + 1);
        walk(p.value, c);
      }
    }
  };
  walk(vf.doc.contents, undefined);
  let best = 2;
  let n = 0;
  for (const [step, count] of counts) if (count > n || (count === n && step < best)) [best, n] = [step, count];
  return best;
}

function renderBlock(keys: Keys, value: Value, indent: string, unit: string, eol: string): string {
  return keys.map((k, i) => `${indent}${unit.repeat(i)}${renderLeaf(k)}:${i === keys.length - 1 ? ` ${renderInline(value)}` : ''}`).join(eol);
}

function renderFlowPair(keys: Keys, value: Value): string {
  const [k, ...rest] = keys;
  return `${renderLeaf(k!)}: ${rest.length ? `{${renderFlowPair(rest, value)}}` : renderInline(value)}`;
}

function isEmptyNull(v: unknown): boolean {
  return v === null || v === undefined || (isScalar(v) && v.value === null && v.source === '');
}

/**
 * The text of `vf` with the value at `keys` set to `value` (creating the keys that are missing), every
 * other byte kept. Throws ValuesFileError when the path runs through something that is not a map, and
 * UnsafeEditError when the result would not be exactly that change.
 */
export function setIn(vf: ValuesFile, keys: Keys, value: Value): string {
  if (keys.length === 0) throw new ValuesFileError(`${vf.name}: nothing to set`);
  const ed = new Editor(vf);
  const root = vf.doc.contents;
  if (isMap(root)) setInMap(ed, root, keys, 0, value);
  else {
    const t = vf.text;
    const sep = t.length && !t.endsWith('\n') ? ed.eol : '';
    ed.insert(t.length, sep + renderBlock(keys, value, '', ed.unit, ed.eol) + ed.eol);
  }
  const text = ed.apply();
  verify(vf, text, keys, value);
  return text;
}

function where(vf: ValuesFile, keys: Keys, i: number): string {
  return `${vf.name}: ${keys.slice(0, i + 1).join('.')}`;
}

function setInMap(ed: Editor, map: YAMLMap, keys: Keys, i: number, value: Value): void {
  const vf = ed.vf;
  const pairs = pairsOf(map, keys[i]!);
  const pair = pairs.at(-1);
  if (!pair) return addPair(ed, map, keys.slice(i), value);
  for (const dup of pairs.slice(0, -1)) removePair(ed, map, dup, keys, i);
  const v = pair.value;
  if (isAlias(v)) throw new ValuesFileError(`${where(vf, keys, i)} is an alias (*${v.source}); edit it by hand`);
  if (i === keys.length - 1) return replaceValue(ed, pair, value);
  if (isMap(v)) return setInMap(ed, v, keys, i + 1, value);
  if (isEmptyNull(v) || (isScalar(v) && v.value === null)) {
    // `superset:` with nothing under it: the rest of the path goes on the next lines
    const start = ed.colonEnd(pair);
    const end = isEmptyNull(v) ? start : ed.contentEnd(v);
    const indent = ed.indentOf(nodeRange(pair.key)![0]) + ed.unit;
    ed.replace(start, end, '');
    ed.insert(ed.lineEnd(end), ed.eol + renderBlock(keys.slice(i + 1), value, indent, ed.unit, ed.eol));
    return;
  }
  throw new ValuesFileError(`${where(vf, keys, i)} is not a map`);
}

function addPair(ed: Editor, map: YAMLMap, keys: Keys, value: Value): void {
  const items = map.items as AnyPair[];
  if (map.flow) {
    const rendered = renderFlowPair(keys, value);
    const last = items.at(-1);
    if (!last) return ed.replace(nodeRange(map)![0], ed.contentEnd(map), `{${rendered}}`);
    return ed.insert(ed.pairEnd(last), `, ${rendered}`);
  }
  const first = items[0]!;
  const indent = ed.indentOf(nodeRange(first.key)![0]);
  ed.insert(ed.lineEnd(ed.pairEnd(items.at(-1)!)), ed.eol + renderBlock(keys, value, indent, ed.unit, ed.eol));
}

function removePair(ed: Editor, map: YAMLMap, dup: AnyPair, keys: Keys, i: number): void {
  const start = nodeRange(dup.key)![0];
  if (map.flow || !/^[ \t]*$/.test(ed.text.slice(ed.lineStart(start), start))) {
    throw new ValuesFileError(`${where(ed.vf, keys, i)} is defined more than once (line ${lineOf(ed.vf, start)}); remove the extra one by hand`);
  }
  ed.replace(ed.lineStart(start), ed.nextLine(ed.pairEnd(dup)), '');
}

function replaceValue(ed: Editor, pair: AnyPair, value: Value): void {
  const v = pair.value;
  if (isEmptyNull(v)) return ed.insert(ed.colonEnd(pair), ` ${renderInline(value)}`);
  if (Array.isArray(value) && isSeq(v)) return editSeq(ed, pair, v, value as Leaf[]);
  if (isScalar(v) && (v.type === 'BLOCK_LITERAL' || v.type === 'BLOCK_FOLDED' || Array.isArray(value))) {
    return ed.replace(ed.colonEnd(pair), ed.contentEnd(v), ` ${renderInline(value)}`);
  }
  if (isScalar(v)) return ed.replace(nodeRange(v)![0], nodeRange(v)![1], renderInline(value, v.type));
  // a collection becomes something else: from the colon to the end of the collection
  ed.replace(ed.colonEnd(pair), ed.contentEnd(v), ` ${renderInline(value)}`);
}

function editSeq(ed: Editor, pair: AnyPair, seq: YAMLSeq, want: readonly Leaf[]): void {
  const items = seq.items as unknown[];
  if (!items.every((it) => isScalar(it))) return replaceSeq(ed, pair, seq, want);
  const scalars = items as Scalar[];
  // keep what is wanted, in order; remove the rest; append what is new (any list is reachable this way)
  const keep: boolean[] = [];
  let j = 0;
  for (const s of scalars) {
    const ok = j < want.length && sameValue(s.value, want[j]);
    keep.push(ok);
    if (ok) j++;
  }
  const added = want.slice(j);
  const removed = scalars.filter((_, k) => !keep[k]);
  if (!removed.length && !added.length) return;
  if (seq.flow && !multiLine(ed, seq))
    return rebuildFlow(
      ed,
      seq,
      scalars.filter((_, k) => keep[k]),
      added,
    );
  if (!want.length) return emptySeq(ed, pair, seq);
  // the last item removed and others added would touch the same line twice: write the list again
  if ((added.length && !keep.at(-1)) || (seq.flow && removed.length)) return replaceSeq(ed, pair, seq, want);
  if (seq.flow) return ed.insert(nodeRange(scalars.at(-1))![1], added.map((x) => `, ${renderLeaf(x)}`).join(''));
  const prefix = (s: Scalar) => ed.text.slice(ed.lineStart(nodeRange(s)![0]), nodeRange(s)![0]);
  if (!scalars.every((s) => /^[ \t]*-[ \t]+$/.test(prefix(s)))) return replaceSeq(ed, pair, seq, want);
  for (const s of removed) ed.replace(ed.lineStart(nodeRange(s)![0]), ed.nextLine(ed.contentEnd(s)), '');
  if (added.length) {
    const last = scalars.at(-1)!;
    ed.insert(ed.lineEnd(ed.contentEnd(last)), added.map((x) => ed.eol + prefix(last) + renderLeaf(x)).join(''));
  }
}

function multiLine(ed: Editor, n: unknown): boolean {
  return ed.text.slice(nodeRange(n)![0], ed.contentEnd(n)).includes('\n');
}

/** A one-line flow list `[A, B]` written again with the same spacing, kept items as they were written. */
function rebuildFlow(ed: Editor, seq: YAMLSeq, kept: Scalar[], added: readonly Leaf[]): void {
  const [start] = nodeRange(seq)!;
  const end = ed.contentEnd(seq);
  const src = ed.text.slice(start, end);
  const all = seq.items as Scalar[];
  const pad = all.length && /^\[[ \t]/.test(src) ? ' ' : '';
  const between = all.length > 1 ? ed.text.slice(nodeRange(all[0])![1], nodeRange(all[1])![0]) : ', ';
  const sep = /^[ \t]*,[ \t]*$/.test(between) ? between : ', ';
  const texts = [...kept.map((s) => ed.text.slice(nodeRange(s)![0], nodeRange(s)![1])), ...added.map((x) => renderLeaf(x))];
  ed.replace(start, end, texts.length ? `[${pad}${texts.join(sep)}${pad}]` : '[]');
}

function emptySeq(ed: Editor, pair: AnyPair, seq: YAMLSeq): void {
  if (seq.flow) return ed.replace(nodeRange(seq)![0], ed.contentEnd(seq), '[]');
  ed.replace(ed.colonEnd(pair), ed.lineEnd(ed.contentEnd(seq)), ' []');
}

/** The whole list written again: block lists keep their `- ` layout, flow lists become one line. */
function replaceSeq(ed: Editor, pair: AnyPair, seq: YAMLSeq, want: readonly Leaf[]): void {
  if (!want.length) return emptySeq(ed, pair, seq);
  const items = seq.items as unknown[];
  const first = items[0];
  if (!seq.flow && first !== undefined) {
    const s = nodeRange(first)![0];
    const prefix = ed.text.slice(ed.lineStart(s), s);
    if (/^[ \t]*-[ \t]+$/.test(prefix)) {
      return ed.replace(ed.lineStart(s), ed.lineEnd(ed.contentEnd(items.at(-1))), want.map((x) => prefix + renderLeaf(x)).join(ed.eol));
    }
  }
  if (seq.flow) return ed.replace(nodeRange(seq)![0], ed.contentEnd(seq), renderInline(want));
  ed.replace(ed.colonEnd(pair), ed.lineEnd(ed.contentEnd(seq)), ` ${renderInline(want)}`);
}

/** Structural equality of plain data (no prototype checks: values may come from another realm). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => sameValue(x, (b as unknown[])[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

function copy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copy);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)]));
  return v;
}

function setPlain(obj: Record<string, unknown>, keys: Keys, value: Value): void {
  let cur = obj;
  keys.forEach((k, i) => {
    if (i === keys.length - 1) cur[k] = Array.isArray(value) ? [...value] : value;
    else {
      const next = cur[k];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[k] = {};
      cur = cur[k] as Record<string, unknown>;
    }
  });
}

function verify(before: ValuesFile, text: string, keys: Keys, value: Value): void {
  const refuse = (why: string) =>
    new UnsafeEditError(`could not edit ${keys.join('.')} in ${before.name} safely (${why}); nothing was written — edit it by hand`);
  let after: ValuesFile;
  try {
    after = readValues(text, before.name);
  } catch {
    throw refuse('the result would not parse');
  }
  const expected = copy(toPlain(before)) as Record<string, unknown>;
  setPlain(expected, keys, value);
  if (!sameValue(toPlain(after), expected)) throw refuse('the result would change other values');
  let cur: unknown = after.doc.contents;
  for (const k of keys) {
    if (!isMap(cur)) break;
    const pairs = pairsOf(cur, k);
    if (pairs.length !== 1) throw refuse(`${k} would be defined ${pairs.length} times`);
    cur = pairs[0]!.value;
  }
}
