// The demo's admin page (/admin under `npm start`): model versions, rounds and the privacy ledger as
// the aggregator's API reports them, with an inline SVG plot of ε per model version. Server-rendered
// HTML with no script: the numbers on the page are exactly the API's.

import type { LedgerResponse } from '@hearth/aggregator-server';

export interface VersionInfo {
  version: number;
  parent: number | null;
  roundId: number | null;
  createdAt: string;
  weightsSha256: string;
  /** Cumulative ε of everything this version was trained with (0 for a pretrained base). */
  epsilon: number;
  delta: number;
  note: string | null;
}

export interface RoundInfo {
  id: number;
  state: string;
  modelVersion: number;
  openedAt: string;
  deadline: string;
  closedAt: string | null;
  reason: string | null;
  resultVersion: number | null;
  minClients: number;
  expectedClients: number;
  q: number;
  z: number;
  clipBound: number;
  received: number;
  clipped: number;
  zeroed: number;
}

/** The aggregator's ledger response, as the page reads it. */
export type LedgerInfo = LedgerResponse;

export interface AdminData {
  models: { latest: number | null; versions: VersionInfo[] };
  ledger: LedgerInfo;
  rounds: { rounds?: RoundInfo[] };
  notice?: string | null;
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const eps = (x: number) => (x === 0 ? '0' : x < 0.01 ? x.toExponential(2) : x.toFixed(3));
const time = (iso: string | null) => (iso ? esc(iso.replace('T', ' ').slice(0, 19)) : '–');

/**
 * Bars of cumulative ε per model version (what shipping that version has cost), the budget as a
 * dashed line. Hand-written SVG: one chart does not need a plotting library.
 */
export function epsilonPlot(versions: VersionInfo[], budget: number): string {
  const w = 640;
  const h = 240;
  const pad = { left: 48, right: 16, top: 16, bottom: 36 };
  const top = Math.max(budget, ...versions.map((v) => v.epsilon)) * 1.1 || 1;
  const y = (e: number) => pad.top + (h - pad.top - pad.bottom) * (1 - e / top);
  const slot = (w - pad.left - pad.right) / Math.max(versions.length, 1);
  const bar = Math.min(48, slot * 0.6);
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const e = (top * i) / 4;
    parts.push(
      `<line x1="${pad.left}" x2="${w - pad.right}" y1="${y(e)}" y2="${y(e)}" stroke="#e5e7eb"/>`,
      `<text x="${pad.left - 6}" y="${y(e) + 4}" text-anchor="end" font-size="11">${eps(e)}</text>`,
    );
  }
  versions.forEach((v, i) => {
    const x = pad.left + slot * i + (slot - bar) / 2;
    parts.push(
      `<rect data-version="${v.version}" data-epsilon="${v.epsilon}" x="${x}" y="${y(v.epsilon)}" width="${bar}" height="${Math.max(0, y(0) - y(v.epsilon))}" fill="#c2410c"><title>v${v.version}: ε ${eps(v.epsilon)}</title></rect>`,
      `<text x="${x + bar / 2}" y="${h - pad.bottom + 16}" text-anchor="middle" font-size="11">v${v.version}</text>`,
      `<text x="${x + bar / 2}" y="${y(v.epsilon) - 4}" text-anchor="middle" font-size="10">${eps(v.epsilon)}</text>`,
    );
  });
  parts.push(
    `<line x1="${pad.left}" x2="${w - pad.right}" y1="${y(budget)}" y2="${y(budget)}" stroke="#dc2626" stroke-dasharray="6 4"/>`,
    `<text x="${w - pad.right}" y="${y(budget) - 4}" text-anchor="end" font-size="11" fill="#dc2626">budget ε ${eps(budget)}</text>`,
    `<text x="${pad.left + (w - pad.left - pad.right) / 2}" y="${h - 4}" text-anchor="middle" font-size="11">model version</text>`,
  );
  return `<svg class="eps-plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="epsilon spent per model version">${parts.join('')}</svg>`;
}

export function renderAdminPage(data: AdminData): string {
  const { models, ledger } = data;
  const rounds = data.rounds.rounds ?? [];
  const active = rounds.find((r) => r.state === 'open' || r.state === 'collecting');
  const versionRows = [...models.versions]
    .reverse()
    .map(
      (v) => `<tr data-version="${v.version}"${v.version === models.latest ? ' class="latest"' : ''}>
        <td>v${v.version}${v.version === models.latest ? ' <b>latest</b>' : ''}</td><td>${v.parent === null ? '–' : `v${v.parent}`}</td>
        <td>${v.roundId ?? '–'}</td><td>${eps(v.epsilon)}</td><td>${v.delta}</td><td>${time(v.createdAt)}</td>
        <td><code>${esc(v.weightsSha256.slice(0, 12))}</code></td><td>${esc(v.note ?? '')}</td></tr>`,
    )
    .join('');
  const roundRows = rounds
    .map(
      (r) => `<tr data-round="${r.id}" data-state="${esc(r.state)}">
        <td>${r.id}</td><td>${esc(r.state)}</td><td>v${r.modelVersion}</td><td>${r.resultVersion === null ? '–' : `v${r.resultVersion}`}</td>
        <td>${r.received} / min ${r.minClients}</td><td>${r.clipped} / ${r.zeroed}</td><td>q ${r.q}, z ${r.z}, C ${r.clipBound}</td>
        <td>${time(r.openedAt)}</td><td>${time(r.closedAt ?? r.deadline)}</td><td>${esc(r.reason ?? '')}</td>
        <td>${r.state === 'open' || r.state === 'collecting' ? `<form method="post" action="/admin/rounds/close"><input type="hidden" name="id" value="${r.id}"><button>Close now</button></form>` : ''}</td></tr>`,
    )
    .join('');
  const ledgerRows = ledger.rounds
    .map(
      (e) => `<tr><td>${e.roundId}</td><td>v${e.modelVersion}</td><td>${e.q}</td><td>${e.z}</td>
        <td>${e.received} / ${e.expectedClients}</td><td>${eps(e.epsilon)}</td><td>${time(e.createdAt)}</td></tr>`,
    )
    .join('');
  const empty = (cols: number, text: string) => `<tr><td colspan="${cols}" class="empty">${text}</td></tr>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hearth admin</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
${active ? '<meta http-equiv="refresh" content="5">' /* watch updates arrive while a round collects */ : ''}
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1f2937; background: #fafaf9; }
  header { background: #1c1917; color: #fafaf9; padding: 14px 28px; display: flex; gap: 24px; align-items: baseline; }
  header a { color: #fdba74; }
  main { padding: 8px 28px 40px; max-width: 1200px; }
  h2 { font-size: 16px; margin: 28px 0 8px; }
  table { border-collapse: collapse; width: 100%; background: white; }
  th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #e7e5e4; vertical-align: top; }
  th { background: #f5f5f4; font-weight: 600; font-size: 12px; }
  tr.latest { background: #fff7ed; }
  .empty { color: #78716c; font-style: italic; }
  .cards { display: flex; gap: 16px; flex-wrap: wrap; margin-top: 16px; }
  .card { background: white; border: 1px solid #e7e5e4; border-radius: 8px; padding: 10px 16px; min-width: 150px; }
  .card b { display: block; font-size: 20px; }
  .notice { background: #ecfccb; border: 1px solid #a3e635; padding: 8px 12px; border-radius: 6px; margin-top: 16px; }
  .eps-plot { background: white; border: 1px solid #e7e5e4; border-radius: 8px; max-width: 100%; height: auto; }
  button { font: inherit; padding: 3px 10px; cursor: pointer; }
</style></head>
<body>
<header><strong>Hearth admin</strong><span>aggregator on this machine</span><a href="/">open the shop</a></header>
<main>
${data.notice ? `<p class="notice" data-notice>${esc(data.notice)}</p>` : ''}
<div class="cards">
  <div class="card" data-card="latest">latest model<b>${models.latest === null ? 'none' : `v${models.latest}`}</b></div>
  <div class="card" data-card="epsilon">ε spent (δ ${ledger.delta})<b>${eps(ledger.epsilonSpent)}</b></div>
  <div class="card" data-card="budget">ε budget<b>${eps(ledger.epsilonBudget)}</b>${ledger.budgetExhausted ? 'exhausted' : `${eps(Math.max(0, ledger.epsilonBudget - ledger.epsilonSpent))} left`}</div>
  <div class="card" data-card="rounds">rounds<b>${rounds.length}</b>${active ? `round ${active.id} ${esc(active.state)}` : 'none active'}</div>
</div>
<h2>ε spent per model version</h2>
${epsilonPlot(models.versions, ledger.epsilonBudget)}
<h2>Rounds</h2>
${active ? '' : '<form method="post" action="/admin/rounds"><button data-open-round>Open a round</button></form>'}
<table data-table="rounds"><tr><th>id</th><th>state</th><th>model</th><th>result</th><th>updates</th><th>clipped / zeroed</th><th>parameters</th><th>opened</th><th>closed / deadline</th><th>reason</th><th></th></tr>
${roundRows || empty(11, 'no rounds yet')}</table>
<h2>Model versions</h2>
<table data-table="versions"><tr><th>version</th><th>parent</th><th>round</th><th>ε</th><th>δ</th><th>created</th><th>weights SHA-256</th><th>note</th></tr>
${versionRows || empty(8, 'no model registered')}</table>
<h2>Privacy ledger</h2>
<table data-table="ledger"><tr><th>round</th><th>model</th><th>q</th><th>z</th><th>updates / expected</th><th>cumulative ε</th><th>charged</th></tr>
${ledgerRows || empty(7, 'nothing charged yet: no round has run')}</table>
</main></body></html>
`;
}
