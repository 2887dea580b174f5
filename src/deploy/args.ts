import { quoteBack } from '../core/sanitize.js';
import type { Command } from '../core/types.js';
import { DURING_MAINTENANCE } from '../maintenance/blocks.js';
import { RefusedArgumentsError } from './errors.js';

/**
 * Deploy verbs take an environment and nothing else: whatever else was typed (`--set x=y`,
 * `; rm -rf /`, a path) is refused before any job exists, so no process ever sees it.
 */
export function refuseExtraArgs(command: Command): void {
  // the one option there is: --during-maintenance (checked against the policy by runDeploy)
  const args = command.args.filter((a) => a !== DURING_MAINTENANCE);
  if (!args.length) return;
  const given = quoteBack(args.join(' '));
  const options = args.some((a) => a.startsWith('-'));
  throw new RefusedArgumentsError(
    `refused: ${command.verb} takes only an environment (got "${given}")${options ? '; helmfile/helm options cannot be passed from chat' : ''}`,
  );
}
