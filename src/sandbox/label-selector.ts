// Kubernetes label selectors, parsed the way the API server does (k8s.io/apimachinery/pkg/labels):
// `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`, `a>1`, `a<1`; a comma means AND.
// Error texts follow the Go parser so a malformed selector reads like the real server's 400.

export type Operator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';
export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}
export type Selector = Requirement[];

export class LabelSelectorError extends Error {
  override name = 'LabelSelectorError';
}

type Tok = 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | '<' | '!=' | '(' | 'in' | 'notin' | 'id';
interface Item {
  tok: Tok;
  lit: string;
}

const SYMBOLS: Record<string, Tok> = { ')': ')', ',': ',', '!': '!', '==': '==', '=': '=', '>': '>', '<': '<', '!=': '!=', '(': '(' };
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean => '=!(),><'.includes(c);

function lex(s: string): Item[] {
  const items: Item[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isSpace(s[i]!)) i++;
    if (i >= s.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    if (isSpecial(s[i]!)) {
      // Longest run of special characters that is still a known symbol ("!=", "==", "=", ...).
      // Every single special character is a symbol, so there is always a match.
      const two = s.slice(i, i + 2);
      const lit = SYMBOLS[two] ? two : s[i]!;
      items.push({ tok: SYMBOLS[lit]!, lit });
      i += lit.length;
      continue;
    }
    let j = i;
    while (j < s.length && !isSpecial(s[j]!) && !isSpace(s[j]!)) j++;
    const word = s.slice(i, j);
    items.push({ tok: word === 'in' || word === 'notin' ? word : 'id', lit: word });
    i = j;
  }
}

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function validateKey(key: string): void {
  const slash = key.split('/');
  const name = slash.length === 2 ? slash[1]! : slash[0]!;
  const prefix = slash.length === 2 ? slash[0]! : undefined;
  const ok = slash.length <= 2 && name.length <= 63 && NAME.test(name) && (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)));
  if (!ok)
    throw new LabelSelectorError(
      `key: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
}

function validateValue(v: string): void {
  if (v.length > 63 || !VALUE.test(v))
    throw new LabelSelectorError(
      `values[0]: Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
}

function requirement(key: string, operator: Operator, values: string[]): Requirement {
  validateKey(key);
  if ((operator === 'in' || operator === 'notin') && values.length === 0)
    throw new LabelSelectorError("for 'in', 'notin' operators, values set can't be empty");
  if ((operator === '=' || operator === '==' || operator === '!=') && values.length !== 1)
    throw new LabelSelectorError('exact-match compatibility requires one single value');
  if (operator === 'gt' || operator === 'lt') {
    if (values.length !== 1) throw new LabelSelectorError("for 'Gt', 'Lt' operators, exactly one value is required");
    if (!/^[+-]?\d+$/.test(values[0]!)) throw new LabelSelectorError("for 'Gt', 'Lt' operators, the value must be an integer");
  }
  for (const v of values) validateValue(v);
  return { key, operator, values };
}

class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  // In "values" context the keywords in/notin are plain identifiers (`in in (in)` is valid).
  private peek(values = true): Item {
    const it = this.items[this.pos]!;
    return values && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'id', lit: it.lit } : it;
  }
  private next(values = true): Item {
    const it = this.peek(values);
    this.pos++;
    return it;
  }

  parse(): Selector {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek();
      if (tok === 'eos') return reqs;
      if (tok !== 'id' && tok !== '!') throw new LabelSelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (e) {
        throw new LabelSelectorError(`unable to parse requirement: ${(e as Error).message}`);
      }
      const t = this.next();
      if (t.tok === 'eos') return reqs;
      if (t.tok !== ',') throw new LabelSelectorError(`found '${t.lit}', expected: ',' or 'end of string'`);
      const t2 = this.peek();
      if (t2.tok !== 'id' && t2.tok !== '!') throw new LabelSelectorError(`found '${t2.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): Requirement {
    let t = this.next();
    let negated = false;
    if (t.tok === '!') {
      negated = true;
      t = this.next();
    }
    if (t.tok !== 'id') throw new LabelSelectorError(`found '${t.lit}', expected: identifier`);
    validateKey(t.lit);
    const key = t.lit;
    const after = this.peek().tok;
    if (negated) return requirement(key, '!', []);
    if (after === 'eos' || after === ',') return requirement(key, 'exists', []);
    const op = this.next(false);
    switch (op.tok) {
      case 'in':
      case 'notin':
        return requirement(key, op.tok, this.valueSet());
      case '=':
      case '==':
      case '!=':
        return requirement(key, op.tok, this.exactValue());
      case '>':
        return requirement(key, 'gt', this.exactValue());
      case '<':
        return requirement(key, 'lt', this.exactValue());
      default:
        throw new LabelSelectorError(`found '${op.lit}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  private exactValue(): string[] {
    const t = this.peek();
    if (t.tok === 'eos' || t.tok === ',') return [''];
    this.next();
    if (t.tok === 'id') return [t.lit];
    throw new LabelSelectorError(`found '${t.lit}', expected: identifier`);
  }

  private valueSet(): string[] {
    const open = this.next();
    if (open.tok !== '(') throw new LabelSelectorError(`found '${open.lit}', expected: '('`);
    const first = this.peek();
    if (first.tok === ')') {
      this.next();
      return [''];
    }
    if (first.tok !== 'id' && first.tok !== ',') throw new LabelSelectorError(`found '${first.lit}', expected: ',', ')' or identifier`);
    const set = new Set<string>();
    for (;;) {
      const t = this.next();
      if (t.tok === 'id') {
        set.add(t.lit);
        const t2 = this.peek();
        if (t2.tok === ',') {
          this.next();
          if (this.peek().tok !== ')') continue;
          set.add(''); // "(a,)"
          break;
        }
        if (t2.tok === ')') break;
        throw new LabelSelectorError(`found '${t2.lit}', expected: ',' or ')'`);
      } else if (t.tok === ',') {
        set.add(''); // "(,a)", "(a,,b)"
        if (this.peek().tok === ')') break;
      } else {
        throw new LabelSelectorError(`found '${t.lit}', expected: ',', or identifier`);
      }
    }
    this.next(); // ')'
    return [...set].sort();
  }
}

/** Parse a selector string; throws LabelSelectorError with the API server's wording. `""` selects everything. */
export function parseLabelSelector(selector: string): Selector {
  return new Parser(lex(selector)).parse();
}

export function matchesRequirement(r: Requirement, labels: Record<string, string> | undefined): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key]! : undefined;
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return has && r.values.includes(value!);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(value!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^[+-]?\d+$/.test(value!)) return false;
      const a = BigInt(value!);
      const b = BigInt(r.values[0]!);
      return r.operator === 'gt' ? a > b : a < b;
    }
  }
}

export function matchesSelector(selector: Selector, labels: Record<string, string> | undefined): boolean {
  return selector.every((r) => matchesRequirement(r, labels));
}

/** Canonical string form, as the API server prints a parsed selector (requirements sorted by key). */
export function selectorToString(selector: Selector): string {
  return [...selector]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => {
      switch (r.operator) {
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.operator} (${r.values.join(',')})`;
        case 'gt':
          return `${r.key}>${r.values[0]}`;
        case 'lt':
          return `${r.key}<${r.values[0]}`;
        default:
          return `${r.key}${r.operator}${r.values[0]}`;
      }
    })
    .join(',');
}
