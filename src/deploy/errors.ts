// Refusals and failures of deploys, each one clear line for the asker (see toUserLine).
import { UserError } from '../core/errors.js';
import { ago, clock } from './time.js';

export interface LockOwner {
  jobId: string;
  /** Directory user (the person, not the bot). */
  user: string;
  nick: string;
  network: string;
  verb: string;
  since: number;
  host: string;
  /** Process group of the running helmfile/helm, once started. */
  pgid?: number;
}

export class DeployNotConfiguredError extends UserError {
  override name = 'DeployNotConfiguredError';
}

/** Something in chat tried to pass options or odd values towards helmfile. */
export class RefusedArgumentsError extends UserError {
  override name = 'RefusedArgumentsError';
}

/** A configured working directory, chart or values file resolves outside the deployment-charts checkout. */
export class PathEscapeError extends UserError {
  override name = 'PathEscapeError';
  constructor(what: string) {
    super(`refused: ${what} is outside the deployment-charts checkout (check the config)`);
  }
}

export class LockedError extends UserError {
  override name = 'LockedError';
  constructor(
    readonly target: string,
    readonly holder: LockOwner,
    now = Date.now(),
  ) {
    super(
      `${target} is busy: ${holder.verb} by ${holder.user} (job ${holder.jobId}) since ${clock(holder.since)} (${ago(holder.since, now)} ago); try again when it is done`,
    );
  }
}

export interface Freeze {
  user: string;
  nick: string;
  reason: string;
  since: number;
}

export class FrozenError extends UserError {
  override name = 'FrozenError';
  constructor(
    readonly target: string,
    readonly freeze: Freeze,
    service: string,
    env: string,
  ) {
    super(`${target} is locked by ${freeze.user} since ${clock(freeze.since)}: ${freeze.reason} (lift it with: ${service} unlock ${env})`);
  }
}

export class NoSuchConfirmationError extends UserError {
  override name = 'NoSuchConfirmationError';
}

export class UnknownRolloutError extends UserError {
  override name = 'UnknownRolloutError';
}
