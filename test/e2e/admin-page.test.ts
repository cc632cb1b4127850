// The admin page's rendering (scripts/admin-page.ts): the ε plot's bars follow the versions' ε, the
// budget line sits at the budget, and text from the store is escaped.
import { describe, expect, it } from 'vitest';
import { epsilonPlot, renderAdminPage, type VersionInfo } from '../../scripts/admin-page';

const version = (v: number, epsilon: number, note: string | null = null): VersionInfo => ({
  version: v,
  parent: v > 1 ? v - 1 : null,
  roundId: v > 1 ? v - 1 : null,
  createdAt: '2026-01-01T00:00:00.000Z',
  weightsSha256: 'ab'.repeat(32),
  epsilon,
  delta: 1e-5,
  note,
});

/** Bar heights by version, from the SVG. */
function bars(svg: string): Map<number, number> {
  return new Map(
    [...svg.matchAll(/<rect data-version="(\d+)"[^>]* height="([\d.]+)"/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]),
  );
}

describe('admin page', () => {
  it('draws one bar per version, proportional to its ε, and the budget line', () => {
    const svg = epsilonPlot([version(1, 0), version(2, 1.5), version(3, 3)], 10);
    const h = bars(svg);
    expect([...h.keys()]).toEqual([1, 2, 3]);
    expect(h.get(1)).toBe(0);
    expect(h.get(3)! / h.get(2)!).toBeCloseTo(2, 5);
    expect(svg).toContain('budget ε 10.000');
  });

  it('a version over the budget still fits the plot', () => {
    const svg = epsilonPlot([version(1, 0), version(2, 12)], 10);
    const y = Number(/<rect data-version="2"[^>]* y="([\d.]+)"/.exec(svg)![1]);
    expect(y).toBeGreaterThanOrEqual(0);
  });

  it('shows versions, rounds and the ledger, escaping what came from the store', () => {
    const html = renderAdminPage({
      models: { latest: 2, versions: [version(1, 0, 'seed <b>x</b>'), version(2, 2.5)] },
      ledger: {
        delta: 1e-5,
        epsilonBudget: 10,
        epsilonSpent: 2.5,
        order: 12,
        budgetExhausted: false,
        rounds: [
          {
            roundId: 1,
            modelVersion: 1,
            q: 1,
            z: 1,
            clipBound: 1,
            received: 2,
            expectedClients: 10,
            epsilon: 2.5,
            delta: 1e-5,
            createdAt: '2026-01-01T00:00:00.000Z',
          },
        ],
      },
      rounds: { rounds: [] },
      notice: '<script>',
    });
    expect(html).toContain('<tr data-version="2" class="latest">');
    expect(html).toContain('seed &#60;b&#62;x&#60;/b&#62;');
    expect(html).not.toContain('<script>');
    expect(html).toMatch(/data-card="epsilon">[^<]*<b>2.500<\/b>/);
    expect(html).toContain('Open a round');
  });
});
