import { ConfigError, parseConfig, secretFromEnv } from '../src/config/load.js';
import { exampleConfig } from './support/config.js';

const minimal = { services: { superset: { environments: { production: { namespace: 'superset', selector: 'app=superset' } } } } };

describe('configuration', () => {
  it('accepts the shipped example with Superset, Airflow and PAWS', () => {
    const c = exampleConfig();
    expect(Object.keys(c.services)).toEqual(['superset', 'airflow-search', 'airflow-test-k8s', 'paws']);
    expect(c.services.superset!.environments.staging!.namespace).toBe('superset-next');
    expect(c.services.paws!.environments.production).toMatchObject({ namespace: 'prod', selector: 'component=hub' });
  });

  it('names the key and what is wrong', () => {
    const bad = { services: { superset: { environments: { production: { selector: 'app=superset' } } } } };
    expect(() => parseConfig(bad)).toThrow(new ConfigError('config is invalid:\nservices.superset.environments.production.namespace: required'));
  });

  it('lists every problem, one per line', () => {
    try {
      parseConfig({ irc: { host: 'irc.example.org', port: 70000, channels: ['nohash'] }, services: {} });
      throw new Error('should not parse');
    } catch (e) {
      const lines = (e as Error).message.split('\n').slice(1);
      expect(lines).toEqual(expect.arrayContaining([
        expect.stringMatching(/^irc\.port: /),
        'irc.channels.0: must be a channel name like #name',
        'services: needs at least one service',
      ]));
    }
  });

  it('refuses service and environment names that could reach a shell or a path', () => {
    expect(() => parseConfig({ services: { 'super;set': minimal.services.superset } })).toThrow(/services\.super;set: /);
    expect(() => parseConfig({ services: { superset: { environments: { '../prod': { namespace: 'x', selector: 'a=b' } } } } })).toThrow(/services\.superset\.environments\.\.\.\/prod/);
  });

  it('reads secrets from the environment and says which variable is missing', () => {
    expect(secretFromEnv('IRC_PASSWORD', 'irc.sasl.passwordEnv', { IRC_PASSWORD: 's3cret' })).toBe('s3cret');
    expect(() => secretFromEnv('IRC_PASSWORD', 'irc.sasl.passwordEnv', {})).toThrow('irc.sasl.passwordEnv: environment variable IRC_PASSWORD is not set');
  });
});
