// An error with an HTTP meaning: the rounds layer throws these, the HTTP layer turns them into
// `{ error: { reason, message, field? } }` with the status (and Retry-After when there is one).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** A stable, machine-readable word the SDK can act on (e.g. non_finite, round_closed). */
    readonly reason: string,
    message: string,
    readonly field?: string,
    readonly retryAfterSec?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
