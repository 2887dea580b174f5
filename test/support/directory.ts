import { IdentityResolver } from '../../src/directory/identity.js';
import { LdapDirectory } from '../../src/directory/ldap.js';
import { NetworkDirectory } from '../../src/directory/lookup.js';
import { parseConfig } from '../../src/config/load.js';
import type { LdapConfig } from '../../src/config/schema.js';
import type { Slapd } from './slapd.js';

/** The `ldap:` config section for a test slapd, as an operator would write it. */
export function ldapConfigFor(slapd: Slapd, extra: Partial<LdapConfig> = {}): LdapConfig {
  const cfg = parseConfig({
    services: { x: { environments: { p: { namespace: 'x', selector: 'a=b' } } } },
    ldap: { url: slapd.url, bindDn: slapd.bindDn, bindPasswordEnv: 'LDAP_PASSWORD', base: slapd.base, timeoutMs: 500, ...extra },
  });
  return cfg.ldap!;
}

/** What the CLI builds from the config: the LDAP client, the cached resolver, per-network look-up. */
export function directoryFor(slapd: Slapd, extra: Partial<LdapConfig> = {}): { ldap: LdapDirectory; lookup: NetworkDirectory; resolver: IdentityResolver } {
  const config = ldapConfigFor(slapd, extra);
  const ldap = new LdapDirectory(config, { password: slapd.bindPassword });
  const resolver = new IdentityResolver(ldap, config);
  return { ldap, resolver, lookup: new NetworkDirectory(resolver) };
}
