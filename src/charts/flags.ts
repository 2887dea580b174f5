// Superset feature flags in Helm values: what is on per environment, and the edit that turns one on or off.
//
// Where flags live (the runbook: "add the flag under config.superset.feature_flags (all instances) or
// config.superset.extra_feature_flags (one instance), then redeploy"):
// - the chart defaults, e.g. `config.superset.feature_flags` in charts/superset/values.yaml — read, never
//   edited here;
// - the environment's own key, e.g. `config.superset.extra_feature_flags` in
//   helmfile.d/dse-k8s-services/superset-next/values-staging.yaml — the file edits go to.
// Each key holds one of two shapes: a LIST of names (presence = on; the Superset chart) or a MAP of
// booleans ({ALERT_REPORTS: true}).
//
// How Helm combines them: the files are read in order (chart values, then the helmfile's values files,
// the environment's own file last). Per key, a list (or a scalar) in a later file REPLACES the earlier
// one; maps are merged key by key; null removes. The chart's template then renders
// `FEATURE_FLAGS = { <defaults key>..., <environment key>... }`, so for one flag the last mention wins:
// presence in a list means True, a map entry means its boolean.
//
// Consequences for an edit of the environment's file:
// - on, list shape: append the name to the environment's list (if that list so far comes from another
//   file, e.g. the chart's `extra_feature_flags: []`, the new list starts as a copy of it: Helm would
//   otherwise drop what it held);
// - on/off, map shape: `NAME: true|false` in the environment's map (one line);
// - off, list shape: remove the name from every list that holds it, which for a list defined in ANOTHER
//   file (the chart defaults) means writing a whole copy of that list minus the name into the
//   environment's file. That copy freezes the defaults for this environment (later changes of the chart
//   list no longer reach it), so it is refused unless the config allows it (`overrideDefaults`).
// Before an edit is returned it is checked: with the new text the flag has the asked state and no other
// flag changed; an edit that would do nothing is never returned.
import { isMap, isScalar, isSeq, type Pair, type Scalar } from 'yaml';
import { FlagRefusedError, UnsafeEditError, ValuesFileError } from './errors.js';
import { loadFile, type LoadedFile } from './files.js';
import { checkFlagName, splitPath } from './validate.js';
import { lineOf, lookup, readValues, setIn, type Keys, type Leaf } from './values.js';

export type FlagShape = 'list' | 'map';

export interface FlagsSpec {
  /** The environment as people name it in messages: `superset staging`. */
  label?: string;
  /** The environment's values file (edits go here), relative to the checkout. May be a symlink. */
  file: string;
  /** Dotted path of the environment's flags in `file`: `config.superset.extra_feature_flags`. */
  path: string;
  /** Shape used when `path` is in no file yet. */
  shape: FlagShape;
  /** The chart defaults, read only: `{ file: 'charts/superset/values.yaml', path: 'config.superset.feature_flags' }`. */
  defaults?: { file: string; path: string };
  /** Values files Helm reads between the chart and `file` (e.g. the shared values-dse-k8s-eqiad.yaml), in order; read only. */
  layers?: readonly string[];
  /** Allow copying a whole list defined in another file into `file`, to turn off a flag that list turns on. */
  overrideDefaults: boolean;
}

export interface FlagOrigin {
  /** As configured (may be a symlink). */
  file: string;
  /** Real path in the checkout. */
  real: string;
  /** Dotted path of the list or map. */
  path: string;
  /** 1-based line of the entry. */
  line: number;
  shape: FlagShape;
}

export interface FlagState {
  name: string;
  on: boolean;
  /** The mention that decides (the last one). */
  from: FlagOrigin;
  /** Every mention, in the order Helm and the template apply them. */
  mentions: (FlagOrigin & { on: boolean })[];
}

/** What one key amounts to after Helm has read every file. */
export interface FlagSource {
  path: string;
  shape: FlagShape | 'none';
  /** The file whose value is used (for a map: the last file that had one). */
  file?: string;
  real?: string;
  names: string[];
}

export interface FlagsView {
  label?: string;
  file: string;
  real: string;
  /** Every flag mentioned anywhere, in order of first mention; `on` is the effective state. */
  flags: FlagState[];
  sources: FlagSource[];
}

export type FlagPlan =
  | { kind: 'no-change'; name: string; on: boolean; reason: string; from?: FlagOrigin }
  | {
      kind: 'edit';
      name: string;
      on: boolean;
      /** As configured, and the real file to commit (relative to the checkout). */
      file: string;
      real: string;
      before: string;
      after: string;
      /** Short, for a commit subject: `enable ALERT_REPORTS`. */
      summary: string;
      /** One line for people: what changes where. */
      description: string;
      /** Dotted paths written whole as a copy of a list from another file (only with overrideDefaults). */
      overridden: string[];
    }
  | { kind: 'refused'; name: string; on: boolean; reason: string; error: FlagRefusedError };

interface Entry {
  on: boolean;
  in: LoadedFile;
  line: number;
}
type Effective =
  | { kind: 'none'; in?: LoadedFile }
  | { kind: 'list'; in: LoadedFile; items: { name: string; line: number }[] }
  | { kind: 'map'; in: LoadedFile; entries: Map<string, Entry> };

interface Context {
  spec: FlagsSpec;
  files: LoadedFile[];
  target: LoadedFile;
  paths: { dotted: string; keys: Keys }[];
}

function load(root: string, spec: FlagsSpec): Context {
  const target = loadFile(root, spec.file);
  const files: LoadedFile[] = [];
  for (const rel of [...(spec.defaults ? [spec.defaults.file] : []), ...(spec.layers ?? [])]) {
    const f = loadFile(root, rel);
    if (f.real !== target.real && !files.some((x) => x.real === f.real)) files.push(f);
  }
  files.push(target);
  const dotted = [...(spec.defaults ? [spec.defaults.path] : []), spec.path].filter((p, i, a) => a.indexOf(p) === i);
  return { spec, files, target, paths: dotted.map((d) => ({ dotted: d, keys: splitPath(d, 'flags path') })) };
}

function withTarget(ctx: Context, text: string): Context {
  const target: LoadedFile = { ...ctx.target, values: readValues(text, ctx.target.file) };
  return { ...ctx, target, files: ctx.files.map((f) => (f === ctx.target ? target : f)) };
}

function effective(ctx: Context, keys: Keys, dotted: string): Effective {
  let eff: Effective = { kind: 'none' };
  for (const f of ctx.files) {
    const found = lookup(f.values, keys);
    if (!found) continue;
    const node = found.node;
    if (found.value === null || found.value === undefined) eff = { kind: 'none', in: f };
    else if (isSeq(node)) {
      const items: { name: string; line: number }[] = [];
      for (const it of node.items) {
        if (!isScalar(it) || it.value === null || typeof it.value === 'object') continue;
        items.push({ name: String(it.value), line: lineOf(f.values, (it as Scalar).range?.[0] ?? 0) });
      }
      eff = { kind: 'list', in: f, items };
    } else if (isMap(node)) {
      const entries: Map<string, Entry> = eff.kind === 'map' ? new Map(eff.entries) : new Map<string, Entry>();
      for (const p of node.items as Pair<unknown, unknown>[]) {
        if (!isScalar(p.key)) continue;
        const name = String(p.key.value);
        const v = isScalar(p.value) ? p.value.value : p.value;
        if (v === null || v === undefined) entries.delete(name);
        else entries.set(name, { on: v === true, in: f, line: lineOf(f.values, (p.key as Scalar).range?.[0] ?? 0) });
      }
      eff = { kind: 'map', in: f, entries };
    } else {
      throw new ValuesFileError(`${f.file}: ${dotted} is neither a list of flag names nor a map of booleans`);
    }
  }
  return eff;
}

function origin(f: LoadedFile, path: string, line: number, shape: FlagShape): FlagOrigin {
  return { file: f.file, real: f.real, path, line, shape };
}

function view(ctx: Context): FlagsView {
  const byName = new Map<string, FlagState>();
  const sources: FlagSource[] = [];
  for (const { dotted, keys } of ctx.paths) {
    const eff = effective(ctx, keys, dotted);
    const mention = (name: string, o: FlagOrigin, on: boolean) => {
      const m = { ...o, on };
      const s = byName.get(name);
      if (s) {
        s.mentions.push(m);
        s.on = on;
        s.from = o;
      } else byName.set(name, { name, on, from: o, mentions: [m] });
    };
    if (eff.kind === 'list') for (const it of eff.items) mention(it.name, origin(eff.in, dotted, it.line, 'list'), true);
    if (eff.kind === 'map') for (const [name, e] of eff.entries) mention(name, origin(e.in, dotted, e.line, 'map'), e.on);
    sources.push({
      path: dotted,
      shape: eff.kind,
      ...(eff.in ? { file: eff.in.file, real: eff.in.real } : {}),
      names: eff.kind === 'list' ? eff.items.map((i) => i.name) : eff.kind === 'map' ? [...eff.entries.keys()] : [],
    });
  }
  return { ...(ctx.spec.label ? { label: ctx.spec.label } : {}), file: ctx.target.file, real: ctx.target.real, flags: [...byName.values()], sources };
}

/** The effective flags of one environment, each with the file, key and line it comes from. */
export function readFlags(root: string, spec: FlagsSpec): FlagsView {
  return view(load(root, spec));
}

function at(o: FlagOrigin): string {
  return `${o.real}:${o.line} (${o.path})`;
}

/**
 * What it takes to switch `name` on or off in this environment: nothing, one edit of the
 * environment's values file, or a refusal saying why. The name is checked before any file is read.
 */
export function planFlag(root: string, spec: FlagsSpec, name: string, on: boolean): FlagPlan {
  checkFlagName(name);
  const ctx = load(root, spec);
  const before = view(ctx);
  const cur = before.flags.find((f) => f.name === name);
  const who = spec.label ?? spec.file;
  if ((cur?.on ?? false) === on) {
    const reason = cur ? `${name} is already ${on ? 'on' : 'off'} for ${who} (${at(cur.from)})` : `${name} is already off for ${who} (not set anywhere)`;
    return { kind: 'no-change', name, on, reason, ...(cur ? { from: cur.from } : {}) };
  }

  const envKeys = splitPath(spec.path, 'flags path');
  const envEff = effective(ctx, envKeys, spec.path);
  const envShape: FlagShape = envEff.kind === 'none' ? spec.shape : envEff.kind;
  let text = ctx.target.values.text;
  const set = (keys: Keys, value: Leaf | readonly Leaf[]) => {
    text = setIn(readValues(text, ctx.target.file), keys, value);
  };
  const overridden: string[] = [];

  if (envShape === 'map') set([...envKeys, name], on);
  else if (on) {
    const base = envEff.kind === 'list' ? envEff.items.map((i) => i.name) : [];
    if (envEff.kind === 'list' && base.length && envEff.in.real !== ctx.target.real) {
      // the list so far comes from another file: Helm replaces lists, so the new one must hold a copy of it
      if (!spec.overrideDefaults) {
        const reason =
          `${name} cannot be turned on for ${who} through ${spec.path} without copying the whole list from ${envEff.in.real} into ${spec.file} ` +
          `(Helm replaces lists instead of merging them) — allow overriding lists (flags.overrideDefaults in the config), or add it there`;
        return { kind: 'refused', name, on, reason, error: new FlagRefusedError(reason) };
      }
      overridden.push(spec.path);
    }
    set(envKeys, [...base, name]);
  } else {
    for (const { dotted, keys } of ctx.paths) {
      const eff = effective(withTarget(ctx, text), keys, dotted);
      if (eff.kind === 'map') {
        if (eff.entries.get(name)?.on) set([...keys, name], false);
        continue;
      }
      if (eff.kind !== 'list' || !eff.items.some((i) => i.name === name)) continue;
      if (eff.in.real !== ctx.target.real) {
        if (!spec.overrideDefaults) {
          const line = eff.items.find((i) => i.name === name)!.line;
          const reason =
            `${name} cannot be turned off for ${who} alone: it is on through the list ${dotted} in ${eff.in.real}:${line}, and Helm replaces lists ` +
            `instead of merging them, so ${spec.path} cannot take it out — turn it off there (for every environment that uses it), ` +
            `or allow overriding the whole list in ${spec.file} (flags.overrideDefaults in the config)`;
          return { kind: 'refused', name, on, reason, error: new FlagRefusedError(reason) };
        }
        overridden.push(dotted);
      }
      set(
        keys,
        eff.items.map((i) => i.name).filter((n) => n !== name),
      );
    }
  }

  // the edit must do exactly what was asked: this flag switched, every other flag as it was
  const after = view(withTarget(ctx, text));
  const state = (v: FlagsView) => new Map(v.flags.map((f) => [f.name, f.on]));
  const [was, now] = [state(before), state(after)];
  const others = [...new Set([...was.keys(), ...now.keys()])].filter((n) => n !== name && (was.get(n) ?? false) !== (now.get(n) ?? false));
  if (text === ctx.target.values.text || (now.get(name) ?? false) !== on || others.length) {
    throw new UnsafeEditError(
      `could not ${on ? 'enable' : 'disable'} ${name} in ${spec.file} safely${others.length ? ` (it would also switch ${others.join(', ')})` : ''}; nothing was written — edit it by hand`,
    );
  }
  const summary = `${on ? 'enable' : 'disable'} ${name}`;
  const copy = overridden.length ? `; copies ${overridden.join(', ')} from the chart to take it out` : '';
  return {
    kind: 'edit',
    name,
    on,
    file: spec.file,
    real: ctx.target.real,
    before: ctx.target.values.text,
    after: text,
    summary,
    description: `${summary} for ${who} in ${ctx.target.real} (${envShape === 'map' ? `${spec.path}.${name}` : spec.path}${copy})`,
    overridden,
  };
}
