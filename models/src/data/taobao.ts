import type { Action } from '../types';
import { splitCsvLine } from './csv';
import { DatasetBuilder } from './dataset-builder';
import { ErrorLog, type ParseResult } from './line-errors';
import { type LineParser, parseText } from './line-parser';

/**
 * Taobao behaviour types to Hearth actions:
 *   pv   (page view)        -> view
 *   fav  (add to favourites) -> add_to_cart: saving an item for later is purchase intent of the same
 *                              strength as a cart add, and our action vocabulary has no 'favourite'
 *   cart                     -> add_to_cart
 *   buy                      -> purchase
 */
export const TAOBAO_ACTIONS: Readonly<Record<string, Action>> = {
  pv: 'view',
  fav: 'add_to_cart',
  cart: 'add_to_cart',
  buy: 'purchase',
};

/**
 * Tianchi UserBehavior CSV, no header: `user,item,category,behavior,unix_ts` (ts in seconds).
 * The category id becomes the item's category attribute; there is no brand or price.
 */
export function taobaoParser(fileName: string): LineParser {
  const log = new ErrorLog(fileName);
  const builder = new DatasetBuilder(fileName);
  let lines = 0;
  return {
    line(lineNo, line) {
      lines++;
      const f = splitCsvLine(line);
      if (f === null || f.length !== 5)
        return log.add(
          lineNo,
          `expected 5 fields (user,item,category,behavior,unix_ts), got ${f?.length ?? 'an open quote'}`,
        );
      const [user = '', item = '', category = '', behavior = '', ts = ''] = f;
      if (user === '') log.add(lineNo, 'user is empty');
      else if (item === '') log.add(lineNo, 'item is empty');
      else if (!Object.hasOwn(TAOBAO_ACTIONS, behavior))
        log.add(lineNo, `behavior '${behavior}' is not one of pv, fav, cart, buy`);
      else if (!/^[0-9]+$/.test(ts)) log.add(lineNo, `unix_ts '${ts}' is not a Unix time in seconds`);
      else builder.add(user, item, TAOBAO_ACTIONS[behavior]!, Number(ts), { category });
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

export function parseTaobao(text: string, fileName: string): ParseResult {
  return parseText(taobaoParser(fileName), text);
}
