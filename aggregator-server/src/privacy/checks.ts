// Argument checks shared by the privacy functions. Every message names the bad field, so a caller
// (the server, the CLI, a test) can show it as is.

export class PrivacyArgumentError extends RangeError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'PrivacyArgumentError';
  }
}

export interface NumberRule {
  /** Inclusive lower bound. */
  readonly min?: number;
  /** Exclusive lower bound. */
  readonly above?: number;
  /** Inclusive upper bound. */
  readonly max?: number;
  /** Exclusive upper bound. */
  readonly below?: number;
  readonly integer?: boolean;
}

/** Returns `value` when it is a finite number within the rule, else throws PrivacyArgumentError. */
export function requireNumber(field: string, value: unknown, rule: NumberRule = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new PrivacyArgumentError(field, `expected a finite number, got ${String(value)}`);
  if (rule.integer && !Number.isInteger(value))
    throw new PrivacyArgumentError(field, `expected an integer, got ${value}`);
  if (rule.min !== undefined && value < rule.min)
    throw new PrivacyArgumentError(field, `must be >= ${rule.min}, got ${value}`);
  if (rule.above !== undefined && value <= rule.above)
    throw new PrivacyArgumentError(field, `must be > ${rule.above}, got ${value}`);
  if (rule.max !== undefined && value > rule.max)
    throw new PrivacyArgumentError(field, `must be <= ${rule.max}, got ${value}`);
  if (rule.below !== undefined && value >= rule.below)
    throw new PrivacyArgumentError(field, `must be < ${rule.below}, got ${value}`);
  return value;
}
