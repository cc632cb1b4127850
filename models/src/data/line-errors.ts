import type { Dataset } from '../types';

/** One malformed input line: where it is and what is wrong with it. */
export interface LineError {
  file: string;
  /** 1-based line number in the source file. */
  line: number;
  message: string;
}

/** What a parser returns: the data it could read plus an account of what it could not. */
export interface ParseResult {
  dataset: Dataset;
  /** The first MAX_KEPT_ERRORS malformed lines (all are counted in errorCount). */
  errors: LineError[];
  errorCount: number;
  /** Non-empty data lines seen (the header not included). */
  lines: number;
  /** Well-formed lines deliberately ignored (e.g. REES46 remove_from_cart), not errors. */
  skipped: number;
}

// A file where every line is bad must not keep millions of messages in memory.
export const MAX_KEPT_ERRORS = 1000;

export function formatLineError(e: LineError): string {
  return `${e.file}:${e.line}: ${e.message}`;
}

/** Collects line errors while a parser runs. */
export class ErrorLog {
  readonly errors: LineError[] = [];
  count = 0;
  constructor(readonly file: string) {}

  add(line: number, message: string): void {
    this.count++;
    if (this.errors.length < MAX_KEPT_ERRORS) this.errors.push({ file: this.file, line, message });
  }
}

export class DatasetError extends Error {
  constructor(
    message: string,
    readonly errors: LineError[] = [],
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}

export interface UsableOptions {
  /** Largest tolerated fraction of malformed lines (default 0.01 = 1%). */
  maxErrorRate?: number;
}

/**
 * Throws a DatasetError with a readable summary when the parse is not fit to train or evaluate on:
 * too many malformed lines (a wrong --format, a truncated or corrupted file) or no users at all.
 * A few bad lines in a large real log are tolerated, because each one was dropped whole and reported.
 */
export function assertUsable(result: ParseResult, options: UsableOptions = {}): void {
  const maxRate = options.maxErrorRate ?? 0.01;
  const total = Math.max(1, result.lines);
  const rate = result.errorCount / total;
  const file = result.dataset.name;
  if (result.errorCount > 0 && rate > maxRate) {
    const shown = result.errors.slice(0, 10).map(formatLineError).join('\n  ');
    const more = result.errorCount > 10 ? `\n  ... and ${result.errorCount - 10} more` : '';
    throw new DatasetError(
      `${file}: ${result.errorCount} of ${result.lines} lines are malformed ` +
        `(${(rate * 100).toFixed(2)}% > ${(maxRate * 100).toFixed(2)}% allowed); is --format right?\n  ${shown}${more}`,
      result.errors,
    );
  }
  if (result.dataset.users.length === 0) throw new DatasetError(`${file}: no usable events`, result.errors);
}
