import { DatasetBuilder } from './dataset-builder';
import { ErrorLog, type ParseResult } from './line-errors';
import { type LineParser, parseText } from './line-parser';

const ID = /^[1-9][0-9]*$/;

/**
 * Amazon Beauty as preprocessed for sequential recommendation: one line per user,
 * `user item1 item2 ...`, whitespace-separated positive integer ids, items in time order.
 *
 * Every interaction is a review, and a review implies the shopper bought the item, so the action is
 * 'purchase'. The file has no timestamps: events keep file order and carry no `time`.
 * Malformed: a non-integer id, a user with no items, a user that already had a line.
 */
export function beautyParser(fileName: string): LineParser {
  const log = new ErrorLog(fileName);
  const builder = new DatasetBuilder(fileName);
  const seen = new Map<string, number>();
  let lines = 0;
  return {
    line(lineNo, line) {
      lines++;
      const [user, ...items] = line.trim().split(/\s+/);
      if (user === undefined || !ID.test(user))
        return log.add(lineNo, `user id '${user}' is not a positive integer`);
      if (items.length === 0) return log.add(lineNo, `user ${user} has no items`);
      const bad = items.find((t) => !ID.test(t));
      if (bad !== undefined) return log.add(lineNo, `item id '${bad}' is not a positive integer`);
      const earlier = seen.get(user);
      if (earlier !== undefined) return log.add(lineNo, `user ${user} already has a line (line ${earlier})`);
      seen.set(user, lineNo);
      for (const item of items) builder.add(user, item, 'purchase');
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

export function parseBeauty(text: string, fileName: string): ParseResult {
  return parseText(beautyParser(fileName), text);
}
