// Errors shown to users are typed; `toUserLine` is the one place they become text.

export class UserError extends Error {
  override name = 'UserError';
}
export class UnknownServiceError extends UserError {
  override name = 'UnknownServiceError';
  constructor(readonly given: string, readonly suggestions: string[]) {
    super(`unknown service "${given}"${hint(suggestions)}`);
  }
}
export class UnknownVerbError extends UserError {
  override name = 'UnknownVerbError';
  constructor(readonly given: string, readonly suggestions: string[]) {
    super(`unknown command "${given}"${hint(suggestions)}`);
  }
}
export class UnknownEnvironmentError extends UserError {
  override name = 'UnknownEnvironmentError';
  constructor(readonly service: string, readonly given: string, readonly suggestions: string[]) {
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

/** Turn anything thrown into one line for the asker. Internal errors are not leaked verbatim. */
export function toUserLine(err: unknown): string {
  if (err instanceof UserError) return err.message;
  return 'internal error, the operators have been told (see the bot log)';
}
