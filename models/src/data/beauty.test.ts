import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BEAUTY_PATH, sharedDataPath } from '../node/shared-data';
import { parseBeauty } from './beauty';
import { assertUsable, formatLineError } from './line-errors';

const text = readFileSync(sharedDataPath(BEAUTY_PATH), 'utf8');

describe('parseBeauty', () => {
  it('reads the whole real file: 22,363 users, 12,101 items, 198,502 interactions, no errors', () => {
    const { dataset, errorCount } = parseBeauty(text, 'Beauty.txt');
    expect(errorCount).toBe(0);
    expect(dataset.users.length).toBe(22363);
    expect(dataset.numItems).toBe(12101);
    expect(dataset.users.reduce((n, u) => n + u.events.length, 0)).toBe(198502);
    // Ids 1..12101 appear in order, so the dense index equals the source id.
    expect(dataset.itemIds.every((id, i) => i === 0 || id === String(i))).toBe(true);
    expect(dataset.attributes).toBeUndefined();
  });

  it('keeps the line order of items and marks every review as a purchase', () => {
    const firstLines = text.split('\n').slice(0, 2).join('\n');
    const { dataset } = parseBeauty(firstLines, 'Beauty.txt');
    expect(dataset.users.map((u) => u.user)).toEqual(['1', '2']);
    expect(dataset.users[1]!.events.map((e) => dataset.itemIds[e.item])).toEqual([
      '6',
      '7',
      '8',
      '9',
      '10',
      '4',
      '11',
    ]);
    expect(dataset.users[1]!.events.every((e) => e.action === 'purchase' && e.time === undefined)).toBe(true);
  });

  it('reports malformed lines as file:line and drops them whole', () => {
    const bad = ['1 1 2 3', '2', '3 4 x 5', '1 7 8', '', 'u 1 2'].join('\n');
    const result = parseBeauty(bad, 'bad.txt');
    expect(result.errors.map(formatLineError)).toEqual([
      'bad.txt:2: user 2 has no items',
      "bad.txt:3: item id 'x' is not a positive integer",
      'bad.txt:4: user 1 already has a line (line 1)',
      "bad.txt:6: user id 'u' is not a positive integer",
    ]);
    expect(result.dataset.users.length).toBe(1);
    expect(result.dataset.numItems).toBe(3);
    expect(() => assertUsable(result)).toThrow(
      /bad\.txt: 4 of 5 lines are malformed[\s\S]*bad\.txt:2: user 2/,
    );
  });

  it('tolerates a few bad lines under the threshold and fails above it', () => {
    const lines = text.split('\n').slice(0, 200);
    lines[10] = 'garbage line';
    const one = parseBeauty(lines.join('\n'), 'Beauty.txt');
    expect(one.errorCount).toBe(1);
    expect(() => assertUsable(one)).not.toThrow(); // 0.5% <= the default 1%
    expect(() => assertUsable(one, { maxErrorRate: 0.001 })).toThrow(
      /1 of 200 lines are malformed \(0\.50% > 0\.10%/,
    );
  });
});
