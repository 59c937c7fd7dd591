// One line of `doctor` output. Checks never throw: whatever goes wrong becomes a `fail` naming the
// fix, so one broken piece (no cluster access, say) does not hide the state of the others.

/**
 * pass: verified. fail: will break the controller. warn: may be fine, look at it. skip: could not
 * be checked from here (the line says why). note: context for reading the other lines.
 */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip' | 'note';

export interface CheckResult {
  /** Section heading: `config`, `queue`, `rules`, `iam`, `kubernetes`, `rbac`. */
  readonly area: string;
  readonly status: CheckStatus;
  /** What was checked and what was found, one line. */
  readonly message: string;
  /** What to do, for fail and warn. */
  readonly fix?: string;
}

export const check = (area: string, status: CheckStatus, message: string, fix?: string): CheckResult =>
  fix === undefined ? { area, status, message } : { area, status, message, fix };

/** The error name an AWS SDK or Kubernetes client error carries, for classifying probe answers. */
export function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    if ('name' in error && typeof error.name === 'string' && error.name !== 'Error') return error.name;
    if ('Code' in error && typeof error.Code === 'string') return error.Code;
  }
  return 'Error';
}

export function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `${errorName(error)}: ${message.split('\n')[0] ?? ''}`;
}

/** Refusals by IAM (or an SCP, a boundary, a resource policy): the caller lacks the permission. */
export function isAccessDenied(error: unknown): boolean {
  return /AccessDenied|UnauthorizedOperation|AuthorizationError|NotAuthorized|Forbidden/i.test(errorName(error));
}

/** Credentials that AWS does not accept at all; no permission check means anything then. */
export function isBadCredentials(error: unknown): boolean {
  return /InvalidClientTokenId|UnrecognizedClient|ExpiredToken|InvalidAccessKeyId|SignatureDoesNotMatch|CredentialsProviderError|InvalidSignature/i
    .test(errorName(error));
}
