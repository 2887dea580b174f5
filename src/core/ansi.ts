// Tool output (helmfile, helm, kubectl) carries ANSI colours. On a page they become <span> classes;
// everything else is HTML-escaped, and other escape sequences and control characters are dropped.

const ESC = /\u001b\[([0-9;]*)([A-Za-z])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Plain text: escape sequences and control characters removed. */
export function stripAnsi(s: string): string {
  return s.replace(ESC, '').replace(CONTROL, '');
}

interface Style {
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  fg?: number;
  bg?: number;
}

function apply(style: Style, params: string): Style {
  const codes = params === '' ? [0] : params.split(';').map((p) => (p === '' ? 0 : Number(p)));
  let s = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === 0) s = {};
    else if (c === 1) s.bold = true;
    else if (c === 2) s.dim = true;
    else if (c === 3) s.italic = true;
    else if (c === 4) s.underline = true;
    else if (c === 22) (delete s.bold, delete s.dim);
    else if (c === 23) delete s.italic;
    else if (c === 24) delete s.underline;
    else if (c >= 30 && c <= 37) s.fg = c - 30;
    else if (c >= 90 && c <= 97) s.fg = c - 90 + 8;
    else if (c === 39) delete s.fg;
    else if (c >= 40 && c <= 47) s.bg = c - 40;
    else if (c >= 100 && c <= 107) s.bg = c - 100 + 8;
    else if (c === 49) delete s.bg;
    else if (c === 38 || c === 48) {
      // 256-colour (5;n) keeps the 16 basic ones; true colour (2;r;g;b) is skipped.
      const mode = codes[i + 1];
      if (mode === 5) {
        const n = codes[i + 2] ?? 0;
        if (n < 16) s[c === 38 ? 'fg' : 'bg'] = n;
        i += 2;
      } else if (mode === 2) i += 4;
    }
  }
  return s;
}

function classes(s: Style): string {
  return [s.bold && 'b', s.dim && 'd', s.italic && 'i', s.underline && 'u', s.fg !== undefined && `f${s.fg}`, s.bg !== undefined && `g${s.bg}`]
    .filter(Boolean)
    .join(' ');
}

/** One line of tool output as safe HTML: SGR colours → `<span class="b f1">`, the rest escaped. */
export function ansiToHtml(line: string): string {
  let out = '';
  let style: Style = {};
  let last = 0;
  const text = (t: string) => {
    const clean = t.replace(CONTROL, '');
    if (!clean) return;
    const cls = classes(style);
    out += cls ? `<span class="${cls}">${escapeHtml(clean)}</span>` : escapeHtml(clean);
  };
  for (const m of line.matchAll(ESC)) {
    text(line.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === 'm') style = apply(style, m[1] ?? '');
  }
  text(line.slice(last));
  return out;
}

/** Colours for the classes above (the usual xterm palette, readable on a light background). */
export const ANSI_CSS = [
  '.b{font-weight:bold}.d{opacity:.7}.i{font-style:italic}.u{text-decoration:underline}',
  ...[
    '#000',
    '#b21818',
    '#18a218',
    '#a0a018',
    '#2e4fd0',
    '#b218b2',
    '#18a2a2',
    '#888',
    '#555',
    '#e54545',
    '#2fbf2f',
    '#b8b800',
    '#5c7cfa',
    '#e545e5',
    '#20b8b8',
    '#eee',
  ].map((c, i) => `.f${i}{color:${c}}.g${i}{background:${c}}`),
].join('');
