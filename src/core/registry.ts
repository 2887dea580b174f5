import type { Config, EnvironmentConfig, ServiceConfig } from '../config/schema.js';
import { UnknownEnvironmentError, UnknownServiceError } from './errors.js';
import { closest } from './suggest.js';
import { quoteBack } from './sanitize.js';

/** Look-ups into the configured services, with "did you mean" errors. */
export class ServiceRegistry {
  constructor(private readonly config: Config) {}

  names(): string[] {
    return Object.keys(this.config.services);
  }

  has(service: string): boolean {
    return Object.hasOwn(this.config.services, service);
  }

  service(name: string): ServiceConfig {
    if (!this.has(name)) throw new UnknownServiceError(quoteBack(name), closest(name, this.names()));
    return this.config.services[name]!;
  }

  environments(service: string): string[] {
    return Object.keys(this.service(service).environments);
  }

  environment(service: string, env: string): EnvironmentConfig {
    const envs = this.service(service).environments;
    if (!Object.hasOwn(envs, env)) throw new UnknownEnvironmentError(service, quoteBack(env), closest(env, Object.keys(envs)));
    return envs[env]!;
  }
}
