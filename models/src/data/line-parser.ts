import { numberedLines } from './csv';
import type { ParseResult } from './line-errors';

/**
 * A parser fed one line at a time, so the same code reads a string in a browser worker and streams a
 * multi-gigabyte log in Node (a JavaScript string cannot hold more than about 512 MB).
 */
export interface LineParser {
  /** One non-blank line, without its line ending; lineNo is 1-based in the file. */
  line(lineNo: number, text: string): void;
  finish(): ParseResult;
}

export function parseText(parser: LineParser, text: string): ParseResult {
  for (const [lineNo, line] of numberedLines(text)) parser.line(lineNo, line);
  return parser.finish();
}
