import type { ServiceRegistry } from '../core/registry.js';
import { clip, oneLine } from '../core/sanitize.js';
import type { Command } from '../core/types.js';

const MAX_REASON = 200;

/** `lock [env] <reason>` / `unlock [env]`: the environments meant (all when none is named) and the reason. */
export function freezeArgs(registry: ServiceRegistry, command: Command): { environments: string[]; reason: string } {
  const all = registry.environments(command.service);
  const first = command.args[0]?.toLowerCase();
  const named = first !== undefined && all.includes(first);
  const rest = named ? command.args.slice(1) : command.args;
  const reason = oneLine(rest.join(' ')).trim();
  return { environments: named ? [first] : all, reason: clip(reason, MAX_REASON) };
}
