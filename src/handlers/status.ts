import type { Handler } from './types.js';

export const status: Handler = {
  verb: 'status',
  scope: 'service',
  mutating: false,
  environment: 'optional',
  usage: '<service> status [env]',
  summary: 'pods of every environment: ready/total, restarts, image version, age; details only for what is unhealthy',
  async handle() {
    return { kind: 'enqueue', jobKind: 'status' };
  },
};
