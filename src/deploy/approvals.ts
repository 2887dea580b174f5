// A second person's approval. Where an environment sets `approvals`, a change there waits for
// `required` approvals from other people in one of `groups` (the requester's own counts only with
// `selfApproval: true`), before the confirmation expires. The approvals take the place of the
// requester's `confirm`: one person cannot start a production change alone, and nobody has to wait
// for the requester to come back once the approvers agreed. The requester (or anyone allowed to run
// the change) may still cancel it. Approvals live with the pending confirmation (DeployStore).
import type { ApprovalsConfig } from '../config/approvals.js';
import type { EnvironmentConfig } from '../config/schema.js';
import type { Identity, MessageActions } from '../core/types.js';

export type ApprovalPolicy = ApprovalsConfig;

/** One approval, as kept with the pending confirmation. */
export interface Approval {
  /** Directory user (the approver's identity for counting: one person, one approval). */
  user: string;
  nick: string;
  network: string;
  account?: string;
  at: number;
}

/** Does a change of this environment stop for a confirmation or approvals? */
export function asksConfirmation(env: EnvironmentConfig): boolean {
  return env.confirm || !!env.approvals;
}

/** "wmf or ops" */
export function groupsText(groups: readonly string[]): string {
  return groups.length > 1 ? `${groups.slice(0, -1).join(', ')} or ${groups[groups.length - 1]}` : (groups[0] ?? '');
}

/** "2 approvals from someone in wmf or ops other than alice" */
export function whoMayApprove(policy: ApprovalPolicy, requester: string): string {
  const n = policy.required === 1 ? '1 approval' : `${policy.required} approvals`;
  return `${n} from ${policy.required === 1 ? 'someone' : 'people'} in ${groupsText(policy.groups)}${policy.selfApproval ? '' : ` other than ${requester}`}`;
}

/** "bob", "bob and carol", "bob, carol and dave" */
export function names(approvals: readonly Pick<Approval, 'user'>[]): string {
  const u = approvals.map((a) => a.user);
  return u.length > 1 ? `${u.slice(0, -1).join(', ')} and ${u[u.length - 1]}` : (u[0] ?? '');
}

/**
 * Why this person may not approve, or undefined when they may. `approver` must carry the groups read
 * from the directory just now (not the gateway's cached ones).
 */
export function approvalRefusal(policy: ApprovalPolicy, requesterUser: string, approver: Identity, what: string): string | undefined {
  if (!approver.user) return `approving the ${what} needs a directory user (account ${approver.account ?? '(none)'} has none)`;
  if (!policy.selfApproval && approver.user === requesterUser)
    return `${approver.user} asked for the ${what}: the approvals must come from someone else (${whoMayApprove(policy, requesterUser)})`;
  const have = approver.groups ?? [];
  if (!policy.groups.some((g) => have.includes(g)))
    return `approving the ${what} needs one of ${policy.groups.join(', ')} (you: ${have.length ? have.join(', ') : 'no groups'})`;
  return undefined;
}

/** The buttons under a confirmation (networks with buttons): Confirm, or Approve where approvals decide; and Cancel. */
export function confirmationActions(code: string, expiresAt: number, approval?: ApprovalPolicy): MessageActions {
  return {
    key: code,
    expiresAt,
    buttons: [
      approval ? { label: 'Approve', command: `approve ${code}`, style: 'primary' } : { label: 'Confirm', command: `confirm ${code}`, style: 'primary' },
      { label: 'Cancel', command: `cancel ${code}` },
    ],
  };
}
