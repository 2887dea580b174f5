// `approvals:` of an environment: a change there starts only once enough other people approved it
// (`approve <code>`, or the Approve button on Slack); with approvals set, they take the place of the
// requester's `confirm` (src/deploy/approvals.ts).
import { z } from 'zod';

export const approvalsSchema = z.strictObject({
  /** How many different people must approve. */
  required: z.number().int().min(1).max(10),
  /** Directory groups an approver must be in (any one of them). */
  groups: z.array(z.string().min(1)).min(1, 'needs at least one group'),
  /** May the requester approve their own change? (Counts as one approval; default no.) */
  selfApproval: z.boolean().default(false),
});

export type ApprovalsConfig = z.infer<typeof approvalsSchema>;
