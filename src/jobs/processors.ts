import { statusProcessor } from './status.js';
import type { Processor } from './types.js';

/** Job kind → processor. New kinds register here. */
export const processors: Record<string, Processor> = {
  status: statusProcessor,
};
