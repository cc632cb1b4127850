import type { Action } from '../types';
import { splitCsvLine } from './csv';
import { DatasetBuilder } from './dataset-builder';
import { ErrorLog, type ParseResult } from './line-errors';
import { type LineParser, parseText } from './line-parser';

export const REES46_HEADER =
  'event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session';

export const REES46_ACTIONS: Readonly<Record<string, Action>> = {
  view: 'view',
  cart: 'add_to_cart',
  purchase: 'purchase',
};

// The cosmetics-shop variant of REES46 also logs cart removals: a real event, but not one our
// action vocabulary models, so such lines are counted as skipped, not as errors.
const IGNORED_EVENTS = new Set(['remove_from_cart']);

/** `2019-10-01 00:00:00 UTC` -> Unix seconds, or NaN. */
function parseEventTime(s: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) UTC$/.exec(s);
  if (!m) return Number.NaN;
  return Date.parse(`${m[1]}T${m[2]}Z`) / 1000;
}

/**
 * REES46 e-commerce behaviour CSV (header REES46_HEADER). Item attributes:
 * - category: the top level of category_code (`electronics` of `electronics.smartphone`); when the code
 *   is empty (about a third of the rows), `id:<category_id>`, so items of one leaf still share it;
 * - brand as given (empty = unknown);
 * - price: the log-scale price bucket of the `price` column (see price-bucket.ts).
 * user_session is not used: sessions are derived from time gaps downstream.
 */
export function rees46Parser(fileName: string): LineParser {
  const log = new ErrorLog(fileName);
  const builder = new DatasetBuilder(fileName);
  let lines = 0;
  let skipped = 0;
  let header: 'expected' | 'ok' | 'wrong' = 'expected';
  return {
    line(lineNo, line) {
      if (header === 'expected') {
        header = line.trim() === REES46_HEADER ? 'ok' : 'wrong';
        if (header === 'wrong') {
          lines++;
          log.add(lineNo, `header is not '${REES46_HEADER}'`);
        }
        return;
      }
      // Without the expected header the columns cannot be trusted: every line would be an error.
      if (header === 'wrong') return;
      lines++;
      const f = splitCsvLine(line);
      if (f === null || f.length !== 9)
        return log.add(lineNo, `expected 9 fields, got ${f?.length ?? 'an open quote'}`);
      const [
        eventTime = '',
        eventType = '',
        productId = '',
        categoryId = '',
        categoryCode = '',
        brand = '',
        price = '',
        userId = '',
      ] = f;
      if (IGNORED_EVENTS.has(eventType)) {
        skipped++;
        return;
      }
      const time = parseEventTime(eventTime);
      const priceValue = price === '' ? undefined : Number(price);
      if (!Object.hasOwn(REES46_ACTIONS, eventType))
        log.add(lineNo, `event_type '${eventType}' is not one of view, cart, purchase`);
      else if (Number.isNaN(time))
        log.add(lineNo, `event_time '${eventTime}' is not 'YYYY-MM-DD hh:mm:ss UTC'`);
      else if (productId === '') log.add(lineNo, 'product_id is empty');
      else if (userId === '') log.add(lineNo, 'user_id is empty');
      else if (priceValue !== undefined && !(Number.isFinite(priceValue) && priceValue >= 0))
        log.add(lineNo, `price '${price}' is not a non-negative number`);
      else {
        const top = categoryCode.split('.')[0];
        const category = top ? top : categoryId ? `id:${categoryId}` : undefined;
        builder.add(userId, productId, REES46_ACTIONS[eventType]!, time, {
          category,
          brand,
          price: priceValue,
        });
      }
    },
    finish: () => ({ dataset: builder.build(), errors: log.errors, errorCount: log.count, lines, skipped }),
  };
}

export function parseRees46(text: string, fileName: string): ParseResult {
  return parseText(rees46Parser(fileName), text);
}
