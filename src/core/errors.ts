// Errors shown to users are typed; `toUserLine` / `toUserParts` are the one place they become a line.
import type { Line, Part } from './parts.js';

export class UserError extends Error {
  override name = 'UserError';
  /** The line with parts only the network can render (command hints, how to log in); default the message. */
  line?: Line;
}
export class UnknownServiceError extends UserError {
  override name = 'UnknownServiceError';
  constructor(
    readonly given: string,
    readonly suggestions: string[],
  ) {
    super(`unknown service "${given}"${hint(suggestions)}`);
  }
}
export class UnknownVerbError extends UserError {
  override name = 'UnknownVerbError';
  constructor(
    readonly given: string,
    readonly suggestions: string[],
  ) {
    super(`unknown command "${given}"${hint(suggestions)}`);
  }
}
export class UnknownEnvironmentError extends UserError {
  override name = 'UnknownEnvironmentError';
  constructor(
    readonly service: string,
    readonly given: string,
    readonly suggestions: string[],
  ) {
    super(`${service} has no environment "${given}"${hint(suggestions)}`);
  }
}
export class UsageError extends UserError {
  override name = 'UsageError';
}
export class PermissionDeniedError extends UserError {
  override name = 'PermissionDeniedError';
}
export class NotLoggedInError extends UserError {
  override name = 'NotLoggedInError';
  /** `what` needs a services account: <how to log in on the asker's network>. */
  constructor(what: string, login: Part) {
    super(`${what} needs a services account: log in and try again`);
    this.line = [`${what} needs a services account: `, login];
  }
}
export class DirectoryUnavailableError extends UserError {
  override name = 'DirectoryUnavailableError';
  constructor() {
    super('directory unavailable, try again');
  }
}
export class ClusterUnavailableError extends UserError {
  override name = 'ClusterUnavailableError';
}

function hint(suggestions: string[]): string {
  return suggestions.length ? ` (did you mean ${suggestions.join(', ')}?)` : '';
}

const INTERNAL = 'internal error, the operators have been told (see the bot log)';

/** Turn anything thrown into one line of plain text. Internal errors are not leaked verbatim. */
export function toUserLine(err: unknown): string {
  if (err instanceof UserError) return err.message;
  return INTERNAL;
}

/** The same, as the line the asker sees (the network renders its parts). */
export function toUserParts(err: unknown): Line {
  if (err instanceof UserError) return err.line ?? err.message;
  return INTERNAL;
}
