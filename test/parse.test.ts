import fc from 'fast-check';
import { parseCommand } from '../src/commands/parse.js';
import { ServiceRegistry } from '../src/core/registry.js';
import { hasControl } from '../src/core/sanitize.js';
import { allVerbs } from '../src/handlers/index.js';
import { exampleConfig } from './support/config.js';

const registry = new ServiceRegistry(exampleConfig());
const parse = (text: string) => parseCommand(text, allVerbs, registry, 'req-1');

describe('command grammar', () => {
  it('reads <service> <verb> [env]', () => {
    const r = parse('superset status staging');
    expect(r.ok && r.command).toEqual({ service: 'superset', verb: 'status', environment: 'staging', args: [], requestId: 'req-1' });
  });

  it('defaults to status and reads global verbs', () => {
    const r = parse('superset');
    expect(r.ok && r.command.verb).toBe('status');
    const w = parse('whoami');
    expect(w.ok && w.command).toMatchObject({ service: '', verb: 'whoami' });
    const h = parse('help status');
    expect(h.ok && h.command).toMatchObject({ verb: 'help', args: ['status'] });
  });

  it.each([
    ['superset logs webserver staging -c envoy', ['webserver', '-c', 'envoy']],
    ['superset logs webserver staging --container envoy --lines 50', ['webserver', '--container', 'envoy', '--lines', '50']],
    ['superset logs webserver -c envoy staging', ['webserver', '-c', 'envoy']],
    ['superset logs webserver --previous staging', ['webserver', '--previous']],
  ])('finds the environment around short and long options: %s', (text, args) => {
    const r = parse(text);
    expect(r.ok && r.command).toMatchObject({ verb: 'logs', environment: 'staging', args });
  });

  it('is case-insensitive on names and tolerant of extra spaces', () => {
    const r = parse('  Superset   STATUS   Production ');
    expect(r.ok && r.command).toMatchObject({ service: 'superset', verb: 'status', environment: 'production' });
  });

  it('suggests the closest service, verb and environment', () => {
    const s = parse('supreset status');
    expect(!s.ok && s.error.message).toBe('unknown service "supreset" (did you mean superset?)');
    const v = parse('superset stats');
    expect(!v.ok && v.error.message).toBe('unknown command "stats" (did you mean status, start?)');
    const e = parse('superset status prod');
    expect(!e.ok && e.error.message).toBe('superset has no environment "prod" (did you mean production, staging?)');
  });

  it('refuses a 5 KB line in one line', () => {
    const r = parse('superset status ' + 'x'.repeat(5000));
    expect(!r.ok && r.error.message).toBe('command too long (5016 characters; the limit is 400)');
  });

  it('never echoes control characters and never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (text) => {
        const r = parse(text);
        const line = r.ok ? r.command.args.join(' ') : r.error.message;
        expect(hasControl(line)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('quotes unknown names back without CR/LF and shortened', () => {
    const r = parse('superset\r\nQUIT status');
    expect(r.ok).toBe(false);
    const r2 = parse('zz' + 'é'.repeat(100) + '\u0000\u0007');
    expect(!r2.ok && r2.error.message).toMatch(/^unknown service "zzé+…"/);
    expect(!r2.ok && hasControl(r2.error.message)).toBe(false);
  });

  it('treats the first argument of an environment verb as the environment, strictly', () => {
    const r = parse("superset status 'production;");
    expect(!r.ok && r.error.message).toMatch(/^superset has no environment "'production;"/);
  });
});
