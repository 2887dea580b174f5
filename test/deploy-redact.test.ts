// Redaction and output parsing, as pure functions.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Redactor, REDACTED } from '../src/deploy/redact.js';
import { ApplyProgress, DiffSummary } from '../src/deploy/summary.js';
import { commandLine } from '../src/deploy/plan.js';

describe('Redactor', () => {
  const r = new Redactor(['s3cr3t-Value!', 'short']);

  it.each([
    ['password: hunter2hunter2', `password: ${REDACTED}`],
    ['  db_password: "x y z"', `  db_password: ${REDACTED}`],
    ["+     SECRET_KEY = 'abc'", `+     SECRET_KEY = ${REDACTED}`],
    ['--token=abcdef123', `--token=${REDACTED}`],
    ['"client_secret": "abc",', `"client_secret": ${REDACTED}`],
    ['url: postgresql://superset:pa55@db1001/superset', `url: postgresql://superset:${REDACTED}@db1001/superset`],
    ['Authorization: Bearer abcdefghijkl', `Authorization: Bearer ${REDACTED}`],
    ['slack: xoxb-123456789012-abcdefABCDEF', `slack: ${REDACTED}`],
    ['key aGVsbG8gd29ybGQgdGhpcyBpcyBhIGtleSBvZiBsZW5ndGg9 end', `key ${REDACTED} end`],
    ['the value s3cr3t-Value! leaked', `the value ${REDACTED} leaked`],
    ['base64: czNjcjN0LVZhbHVlIQ', `base64: ${REDACTED}`],
    ['dsn: mysql://u:s3cr3t-Value%21@h/db', `dsn: mysql://u:${REDACTED}@h/db`],
    ['bell\u0007 and \u001b[31mred', 'bell and [31mred'],
  ])('%s', (input, expected) => {
    expect(r.line(input)).toBe(expected);
  });

  it.each([
    'image: docker-registry.discovery.wmnet/superset:2026-02-16-150514-b1a59e3aa1338ab93a8fff9291fb01936bba3c5c@sha256:4f1c2d3e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0',
    'superset, superset-production-secret-config, Secret (v1) has changed:',
    '+ Changes suppressed on sensitive content of type Secret',
    'secretName: |',
    'enable_secret_rotation: true',
    'kind: Secret',
    'Comparing release=production, chart=wmf-stable/superset, namespace=superset',
    'name: superset-production-webserver-deployment-config-checksum',
    'a short word stays: short',
  ])('leaves alone: %s', (line) => {
    expect(r.line(line)).toBe(line);
  });

  it('hides whole PEM blocks, across lines', () => {
    const out = r.lines([
      'ca.key: |',
      '  -----BEGIN RSA PRIVATE KEY-----',
      '  MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
      '  abc',
      '  -----END RSA PRIVATE KEY-----',
      'after: ok',
    ]);
    expect(out).toEqual(['ca.key: |', `  ${REDACTED} (PEM block)`, `  ${REDACTED}`, `  ${REDACTED}`, `  ${REDACTED}`, 'after: ok']);
  });

  it('hides a known secret wrapped onto the next line, in both lines', () => {
    // base64 wrapped at a column, as `base64` and some tools print it, under a diff marker
    expect(r.lines(['+   password-b64: czNjcjN0', '+     LVZhbHVlIQ', 'next: line'])).toEqual([
      '+   password-b64: [redacted]',
      '+     [redacted]',
      'next: line',
    ]);
    expect(r.lines(['the value s3cr3t-', 'Value! leaked'])).toEqual([`the value ${REDACTED}`, `${REDACTED} leaked`]);
    // a line that only looks like the start of one is held back, then let go unchanged, in order
    const s = r.stream();
    expect(s.push('ends with s3c')).toEqual([]);
    expect(s.push('retirement')).toEqual(['ends with s3c', 'retirement']);
    expect(s.push('ends with s3cr')).toEqual([]);
    expect(s.end()).toEqual(['ends with s3cr']);
  });

  it('never lets a known secret through when it is split over two lines, wherever the break falls', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9+/=_.!@#%^&*-]{6,40}$/).filter((s) => !'[redacted] (PEM block)'.includes(s)),
        fc.nat(),
        fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, '')),
        fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, '')),
        (secret, at, before, after) => {
          const k = 1 + (at % (secret.length - 1));
          const out = new Redactor([secret]).lines([before + secret.slice(0, k), secret.slice(k) + after]);
          expect(out).toHaveLength(2);
          expect(out.join('')).not.toContain(secret);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never lets a known secret through, wherever it sits in a line', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9+/=_.!@#%^&*-]{6,40}$/).filter((s) => !'[redacted] (PEM block)'.includes(s)),
        fc.string({ maxLength: 60 }),
        fc.string({ maxLength: 60 }),
        (secret, before, after) => {
          const red = new Redactor([secret]);
          expect(red.line(before + secret + after)).not.toContain(secret);
          expect(red.line(`${before}${Buffer.from(secret).toString('base64')}${after}`)).not.toContain(
            Buffer.from(secret).toString('base64').replace(/=+$/, ''),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('DiffSummary', () => {
  const out = `Comparing release=production, chart=wmf-stable/superset, namespace=superset
superset, superset-production, Deployment (apps) has changed:
  spec:
-   replicas: 4
+   replicas: 6
          - name: superset
-           image: r/superset:2026-02-16
+           image: r/superset:2026-06-02
superset, superset-production-cron, CronJob (batch) has been added:
+ apiVersion: batch/v1
+ kind: CronJob
superset, superset-production-secret-config, Secret (v1) has changed:
+ Changes suppressed on sensitive content of type Secret
Comparing release=canary, chart=wmf-stable/superset, namespace=superset`;

  it('counts releases, resources, lines and keys', () => {
    const d = new DiffSummary();
    for (const l of out.split('\n')) d.push(l);
    expect(d.releases).toEqual(['production']);
    expect([...d.compared]).toEqual(['production', 'canary']);
    expect(d.plus).toBe(4);
    expect(d.minus).toBe(2);
    expect(d.keys).toEqual(['replicas', 'image', 'apiVersion', 'kind']);
    expect(d.text()).toBe(
      '1 release (production): 3 resources (Deployment superset-production, CronJob superset-production-cron added, Secret superset-production-secret-config), +4/-2 lines; keys: replicas, image, apiVersion, kind',
    );
    const again = new DiffSummary();
    for (const l of out.split('\n')) again.push(l);
    expect(again.digest()).toBe(d.digest());
  });
});

describe('ApplyProgress', () => {
  it('reads milestones, revisions of every release, and the first error', () => {
    const seen: string[] = [];
    const p = new ApplyProgress((m) => seen.push(m.kind === 'applying' ? `applying ${m.release}` : `upgraded ${m.release} ${m.revision}`));
    for (const l of [
      'Upgrading release=production, chart=wmf-stable/superset, namespace=superset',
      'Release "production" has been upgraded. Happy Helming!',
      'NAME: production',
      'NAMESPACE: superset',
      'STATUS: deployed',
      'REVISION: 43',
      'Upgrading release=canary, chart=wmf-stable/superset, namespace=superset',
      'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress',
    ])
      p.push(l);
    expect(seen).toEqual(['applying production', 'upgraded production 43', 'applying canary']);
    expect(p.revisions).toEqual({ production: 43 });
    expect(p.firstError).toBe('Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress');
    expect(p.text()).toBe('release production → revision 43');
  });
});

it('prints a run as it would be typed', () => {
  expect(commandLine({ tool: 'helmfile', argv: ['-e', 'dse-k8s-eqiad', 'diff'] })).toBe('helmfile -e dse-k8s-eqiad diff');
});

it("gives a diff the same digest wherever the tool's stderr progress lands among its lines", () => {
  const diff = [
    'Comparing release=staging, chart=wmf-stable/superset, namespace=superset-next',
    'superset-next, staging-deployment, Deployment (apps) has changed:',
    '  spec:',
    '-   replicas: 4',
    '+   replicas: 6',
  ];
  const digestOf = (lines: string[]) => {
    const d = new DiffSummary();
    for (const l of lines) d.push(l);
    return d.digest();
  };
  const progress = 'Building dependency release=staging, chart=wmf-stable/superset';
  const a = digestOf([progress, ...diff]);
  expect(digestOf([...diff.slice(0, 3), progress, ...diff.slice(3)])).toBe(a);
  expect(digestOf([...diff, progress])).toBe(a);
  expect(digestOf([...diff.slice(0, 4), '+   replicas: 8'])).not.toBe(a); // a different change is a different digest
});
