// What the parser, the policy and help need to know about a verb: plain data, no behaviour.
// The behaviour (parse, check, run) lives with the verb in src/handlers/<verb>.ts.
import type { Config } from '../config/schema.js';

/** Whether a verb acts on an environment of the service, and if it must name one. */
export type EnvironmentRule = 'none' | 'optional' | 'required';

export interface VerbSpec {
  verb: string;
  /** `service` verbs read `<service> <verb> …`; `global` verbs read `<verb> …` (whoami, help, jobs…). */
  scope: 'service' | 'global';
  /** Changes something: denied unless a group grants it, checked again by the worker right before the change. */
  mutating: boolean;
  environment: EnvironmentRule;
  /**
   * Where the environment sits among the arguments: `first` (`deploy staging`, the default) or `last`
   * (`flag ALERT_REPORTS on staging`, `logs POD staging`). `--env NAME` works anywhere for every verb.
   */
  environmentAt?: 'first' | 'last';
  usage: string;
  summary: string;
  /** The key in `services.<s>.permissions` that grants it; default the verb's name. */
  permission?: string;
  /**
   * The answer is the same whoever asks (status, diff, jobs): where the network cannot say who sent a
   * message without asking the server (IRC without account-tag), the gateway does not ask — unless the
   * service's policy restricts the verb to groups.
   */
  anonymous?: boolean;
  /** Whether the service is set up for it at all (flags need `services.<s>.flags`); help and whoami list only those. Default: yes. */
  available?: (config: Config, service: string) => boolean;
  /**
   * A global verb that acts on services (confirm, cancel, rollout, maint): help lists it only to someone who holds this
   * permission on some service (`any`: any mutating verb's), the check that really decides runs later.
   */
  needs?: string;
  /** Takes a time at the end (`at 14:00 UTC`, `in 2h`, `tomorrow 09:30 UTC`): run later, as a scheduled change. */
  schedulable?: boolean;
}
