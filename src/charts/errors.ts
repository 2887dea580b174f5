// Refusals of flag and version edits, each one clear line for the asker (see toUserLine).
// Every value a person typed is quoted back through quoteBack (one line, short).
import { UserError } from '../core/errors.js';
import { quoteBack } from '../core/sanitize.js';

/** A flag name that is not `^[A-Z][A-Z0-9_]*$`. */
export class InvalidFlagNameError extends UserError {
  override name = 'InvalidFlagNameError';
  constructor(readonly given: string) {
    super(
      `refused: ${JSON.stringify(quoteBack(given))} is not a feature flag name (capital letters, digits and _, starting with a letter, e.g. ALERT_REPORTS)`,
    );
  }
}

/** A version that is neither an image tag nor `<tag>@sha256:<64 hex>`. */
export class InvalidVersionError extends UserError {
  override name = 'InvalidVersionError';
  constructor(readonly given: string) {
    super(
      `refused: ${JSON.stringify(quoteBack(given))} is not an image version (a tag like 2026-02-16-150514-<40 hex>, optionally @sha256:<64 hex>; letters, digits, . _ -, at most 128, not starting with . or -)`,
    );
  }
}

/** The config does not say where (checkout, values file, key): the operators have to set it. */
export class ChartsNotConfiguredError extends UserError {
  override name = 'ChartsNotConfiguredError';
}

/** A configured file or key is not usable: outside the checkout, missing, not YAML, or of the wrong shape. */
export class ValuesFileError extends UserError {
  override name = 'ValuesFileError';
}

/** The edit would change more (or less) than asked; nothing is written. */
export class UnsafeEditError extends UserError {
  override name = 'UnsafeEditError';
}

/** A flag cannot be switched the way asked in this environment's file (Helm replaces lists). */
export class FlagRefusedError extends UserError {
  override name = 'FlagRefusedError';
}

/** The file to edit is shared with other environments, and the request did not say that is meant. */
export class SharedFileError extends UserError {
  override name = 'SharedFileError';
  constructor(
    readonly file: string,
    readonly others: readonly string[],
    hint = 'add --shared to edit it for all of them',
  ) {
    super(`${file} is shared with ${others.join(', ')}: editing it changes ${others.length === 1 ? 'that environment' : 'those environments'} too; ${hint}`);
  }
}

/** Our change does not apply on top of what is in the remote (or the local branch): nothing was committed or pushed. */
export class GitConflictError extends UserError {
  override name = 'GitConflictError';
  constructor(
    readonly files: readonly string[],
    readonly onto: string,
  ) {
    super(
      `refused: the change conflicts with ${onto}${files.length ? ` in ${files.join(', ')}` : ''}; nothing was committed or pushed, the checkout is as it was — resolve it by hand in the deployment-charts checkout`,
    );
  }
}

/** The checkout has uncommitted edits of the file Deckhand would commit. */
export class CheckoutDirtyError extends UserError {
  override name = 'CheckoutDirtyError';
  constructor(readonly file: string) {
    super(`refused: the deployment-charts checkout has uncommitted changes to ${file}; commit or discard them first`);
  }
}

/** git itself failed (network, permissions, a hook); the first line of its message, never a secret of ours. */
export class GitCommandError extends UserError {
  override name = 'GitCommandError';
  constructor(
    readonly step: string,
    readonly detail: string,
  ) {
    super(`git ${step} failed: ${quoteBack(detail, 200)}`);
  }
}

/** The remote refused the push (not because it moved ahead: that is retried). */
export class PushRejectedError extends UserError {
  override name = 'PushRejectedError';
  constructor(
    readonly ref: string,
    readonly detail: string,
    readonly commit: string,
  ) {
    super(`the remote refused ${ref}: ${quoteBack(detail, 200)} (commit ${commit.slice(0, 12)} was not pushed)`);
  }
}

/** The requester's directory entry cannot be a commit author (no name or e-mail, or odd characters). */
export class AuthorError extends UserError {
  override name = 'AuthorError';
  constructor(readonly who: string) {
    super(`cannot commit as ${JSON.stringify(quoteBack(who))}: the directory entry needs a name and an e-mail address`);
  }
}
