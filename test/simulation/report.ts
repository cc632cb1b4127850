// The simulation's outputs besides the JSON: a plain-text table and an SVG plot of NDCG@10 and ε
// against rounds, written by hand (no plotting dependency for one chart).
import type { Row, SimulationResult } from './simulation';

export function table(result: SimulationResult): string {
  const header = ['setting', 'HR@10', 'NDCG@10', 'ε', 'δ', 'rounds', 'wall time', 'notes'];
  const fmt = (r: Row) => [
    r.name,
    r.quality['HR@10'].toFixed(4),
    r.quality['NDCG@10'].toFixed(4),
    r.epsilon === null ? '∞ (no DP)' : r.epsilon === 0 ? '0' : r.epsilon.toFixed(3),
    r.delta === null ? '-' : r.delta.toExponential(0),
    String(r.rounds),
    `${r.seconds.toFixed(0)} s`,
    r.note,
  ];
  const rows = [header, ...result.rows.map(fmt)];
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => `| ${cells.map((s, c) => s.padEnd(widths[c]!)).join(' | ')} |`;
  const out = [
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ];
  if (result.gapRecovered !== null)
    out.push('', `(c) recovers ${(100 * result.gapRecovered).toFixed(1)}% of the (b) → (a) NDCG@10 gap.`);
  if (result.bestGapRecovered !== null)
    out.push(`Its best-validated version recovers ${(100 * result.bestGapRecovered).toFixed(1)}%.`);
  return out.join('\n');
}

/** NDCG@10 (left axis, with (a) and (b) as reference lines) and cumulative ε (right axis) per round. */
export function plotSvg(result: SimulationResult): string {
  const W = 760;
  const H = 400;
  const m = { left: 70, right: 70, top: 40, bottom: 60 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const rounds = result.federation.rounds;
  const lastRound = Math.max(1, rounds.length);
  const start = result.rows.find((r) => r.name.startsWith('(b)'))!.quality['NDCG@10'];
  const central = result.rows.find((r) => r.name.startsWith('(a)'))?.quality['NDCG@10'];
  const ndcg: [number, number][] = [[0, start]];
  for (const r of rounds) if (r.quality) ndcg.push([r.round, r.quality['NDCG@10']]);
  const eps: [number, number][] = [[0, 0], ...rounds.map((r): [number, number] => [r.round, r.epsilon])];
  const nMax = niceMax(Math.max(...ndcg.map((p) => p[1]), central ?? 0) * 1.1);
  const eMax = niceMax(Math.max(...eps.map((p) => p[1]), 1e-9) * 1.1);
  const x = (round: number) => m.left + (round / lastRound) * pw;
  const yN = (v: number) => m.top + ph - (v / nMax) * ph;
  const yE = (v: number) => m.top + ph - (v / eMax) * ph;
  const path = (pts: [number, number][], y: (v: number) => number) =>
    pts.map(([r, v], i) => `${i === 0 ? 'M' : 'L'}${x(r).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const parts: string[] = [];
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  parts.push(
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(result.dataset.name)}: NDCG@10 and ε over DP-FedAvg rounds</text>`,
  );
  // Axes and ticks.
  parts.push(
    `<path d="M${m.left},${m.top} V${m.top + ph} H${m.left + pw} V${m.top}" fill="none" stroke="#444"/>`,
  );
  for (let i = 0; i <= 5; i++) {
    const f = i / 5;
    const yy = m.top + ph - f * ph;
    parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${yy}" y2="${yy}" stroke="#eee"/>`);
    parts.push(
      `<text x="${m.left - 6}" y="${yy + 4}" text-anchor="end" font-size="11" fill="#1f5fbf">${(f * nMax).toFixed(4)}</text>`,
    );
    parts.push(
      `<text x="${m.left + pw + 6}" y="${yy + 4}" font-size="11" fill="#c0392b">${(f * eMax).toFixed(2)}</text>`,
    );
  }
  const step = Math.max(1, Math.ceil(lastRound / 10));
  for (let r = 0; r <= lastRound; r += step)
    parts.push(`<text x="${x(r)}" y="${m.top + ph + 18}" text-anchor="middle" font-size="11">${r}</text>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${H - 22}" text-anchor="middle" font-size="12">round</text>`);
  parts.push(
    `<text transform="translate(18,${m.top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12" fill="#1f5fbf">NDCG@10 (full ranking, test)</text>`,
  );
  parts.push(
    `<text transform="translate(${W - 14},${m.top + ph / 2}) rotate(90)" text-anchor="middle" font-size="12" fill="#c0392b">ε (δ = ${result.federation.delta.toExponential(0)})</text>`,
  );
  // Reference lines.
  const ref = (v: number, label: string, color: string) => {
    parts.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${yN(v)}" y2="${yN(v)}" stroke="${color}" stroke-dasharray="6 4"/>`,
    );
    parts.push(`<text x="${m.left + 6}" y="${yN(v) - 4}" font-size="11" fill="${color}">${label}</text>`);
  };
  if (central !== undefined) ref(central, `(a) centralized ${central.toFixed(4)}`, '#2e7d32');
  ref(start, `(b) public only ${start.toFixed(4)}`, '#777');
  parts.push(`<path d="${path(eps, yE)}" fill="none" stroke="#c0392b" stroke-width="2"/>`);
  parts.push(`<path d="${path(ndcg, yN)}" fill="none" stroke="#1f5fbf" stroke-width="2"/>`);
  for (const [r, v] of ndcg)
    parts.push(`<circle cx="${x(r).toFixed(1)}" cy="${yN(v).toFixed(1)}" r="3" fill="#1f5fbf"/>`);
  parts.push(
    `<text x="${m.left + pw - 6}" y="${m.top + 14}" text-anchor="end" font-size="12"><tspan fill="#1f5fbf">● (c) NDCG@10</tspan>  <tspan fill="#c0392b">— ε spent</tspan></text>`,
  );
  // The title is the plot's text alternative (screen readers, and Biome's a11y lint on a committed copy).
  const title = `<title>${esc(result.dataset.name)}: NDCG@10 and ε over DP-FedAvg rounds</title>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n${title}\n${parts.join('\n')}\n</svg>\n`;
}

/** 1, 2 or 5 times a power of ten, at least v: round axis maxima. */
function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const k of [1, 2, 5, 10]) if (k * p >= v) return k * p;
  return 10 * p;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
