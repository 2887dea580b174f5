// Which V8 flags each role starts with (src/v8-profile.ts; the memory they save is measured by the bench).
import { expect, test } from '@jest/globals';
import { v8FlagsFor } from '../src/v8-profile.js';

const GATEWAY = ['--no-opt', '--no-maglev', '--no-sparkplug', '--optimize-for-size', '--bytecode-old-age=3'];

test('a gateway goes without the optimising compilers and favours size; the roles that run jobs keep V8 as it is', () => {
  expect(v8FlagsFor(['gateway'], [])).toEqual(GATEWAY);
  expect(v8FlagsFor(['gateway', '--config', '/etc/deckhand/deckhand.yaml'], ['--max-old-space-size=256'])).toEqual(GATEWAY);
  for (const args of [['worker'], ['all'], [], ['--sandbox'], ['jobs', '--service', 'superset']]) expect(v8FlagsFor(args, [])).toEqual([]);
});

test('the role is the first word that is not an option or the config file', () => {
  expect(v8FlagsFor(['-c', 'gateway', 'worker'], [])).toEqual([]); // a config file named "gateway"
  expect(v8FlagsFor(['--config', 'gateway', 'gateway'], [])).toEqual(GATEWAY);
  expect(v8FlagsFor(['--sandbox', 'gateway'], [])).toEqual(GATEWAY);
});

test("an operator's own node flags for the compilers or the heap win: nothing is added", () => {
  for (const own of [
    '--opt',
    '--turbofan',
    '--no-maglev',
    '--maglev',
    '--optimize-for-size',
    '--no-optimize-for-size',
    '--jitless',
    '--sparkplug',
    '--bytecode-old-age=6',
  ]) {
    expect(v8FlagsFor(['gateway'], [own])).toEqual([]);
    expect(v8FlagsFor(['gateway'], ['--max-semi-space-size=1', own])).toEqual([]);
  }
  expect(v8FlagsFor(['gateway'], ['--optimize'])).toEqual(GATEWAY); // not one of them
});
