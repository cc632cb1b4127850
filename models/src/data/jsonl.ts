import { z } from 'zod';
import { ACTIONS } from '../types';
import { DatasetBuilder } from './dataset-builder';
import { ErrorLog, type ParseResult } from './line-errors';
import { type LineParser, parseText } from './line-parser';

const id = z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String);

/**
 * A merchant's own event log, one JSON object per line:
 *   {"user": "u42", "item": "sku-7", "action": "view", "time": 1700000000,
 *    "category": "shoes", "brand": "acme", "price": 59.9}
 * - user, item: non-empty strings (or non-negative integers, read as their decimal string);
 * - action: one of view, click, add_to_cart, purchase, search;
 * - time: Unix seconds (a number) or an ISO 8601 date-time string with a zone, e.g. 2024-05-01T12:00:00Z;
 * - category, brand (strings) and price (a non-negative number) are optional item attributes.
 * Unknown keys are rejected, so a misspelt field ("categroy") is reported, not silently dropped.
 */
export const JsonlEvent = z
  .object({
    user: id,
    item: id,
    action: z.enum(ACTIONS),
    time: z.union([
      z.number().finite().nonnegative(),
      z.iso.datetime({ offset: true }).transform((s) => Date.parse(s) / 1000),
    ]),
    category: z.string().optional(),
    brand: z.string().optional(),
    price: z.number().finite().nonnegative().optional(),
  })
  .strict();
export type JsonlEvent = z.input<typeof JsonlEvent>;

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'event'}: ${i.message}`).join('; ');
}

export function jsonlParser(fileName: string): LineParser {
  const log = new ErrorLog(fileName);
  const builder = new DatasetBuilder(fileName);
  let lines = 0;
  return {
    line(lineNo, line) {
      lines++;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        return log.add(lineNo, 'not valid JSON');
      }
      const parsed = JsonlEvent.safeParse(value);
      if (!parsed.success) return log.add(lineNo, describe(parsed.error));
      const e = parsed.data;
      builder.add(e.user, e.item, e.action, e.time, { category: e.category, brand: e.brand, price: e.price });
    },
    finish: () => ({
      dataset: builder.build(),
      errors: log.errors,
      errorCount: log.count,
      lines,
      skipped: 0,
    }),
  };
}

export function parseJsonl(text: string, fileName: string): ParseResult {
  return parseText(jsonlParser(fileName), text);
}
