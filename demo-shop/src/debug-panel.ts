/**
 * The QA debug panel (toggle at the bottom right). It shows only what the SDK reports: while the SDK is
 * not loaded, or does not report a field, the panel says so instead of showing a number.
 */
import { product } from './catalog';
import * as hearth from './hearth';
import { escapeHtml, icon } from './icons';

/** Status fields the panel names itself; anything else the SDK reports is listed under "Other fields". */
const KNOWN = new Set([
  'initialized',
  'backend',
  'modelVersion',
  'epsilon',
  'delta',
  'consent',
  'gpc',
  'storing',
  'events',
  'recentEvents',
  'features',
  'queue',
  'messages',
  'siteKey',
  'federation',
  'personalised',
]);

/**
 * The SDK's federated-learning status (status().federation, present when init() named a serverUrl):
 * what this tab sent to the aggregator and the last clipped update it trained.
 */
function federationHtml(f: unknown): string {
  if (typeof f !== 'object' || f === null) return '';
  const o = f as Record<string, unknown>;
  const last = o['lastUpdate'] as
    | { roundId?: number; bytes?: number; norm?: number; steps?: number }
    | undefined;
  return [
    field('this tab takes part', o['sender']),
    field('rounds trained here', o['rounds']),
    field(
      'last update',
      last
        ? `round ${last.roundId}: ${((last.bytes ?? 0) / 1024).toFixed(1)} KB, norm ${last.norm?.toFixed(3)}, ${last.steps} steps`
        : 'none yet',
    ),
    field('delivered / dropped / retried', `${o['sent']} / ${o['dropped']} / ${o['retried']}`),
  ].join('');
}

function field(label: string, value: unknown, missing = 'not reported'): string {
  const shown =
    value === undefined || value === null
      ? `<span class="muted">${missing}</span>`
      : escapeHtml(typeof value === 'string' ? value : JSON.stringify(value));
  return `<div class="kv"><span>${escapeHtml(label)}</span><span>${shown}</span></div>`;
}

function list(items: unknown, empty: string): string {
  if (!Array.isArray(items)) return `<p class="muted">${empty}</p>`;
  if (items.length === 0) return '<p class="muted">none</p>';
  return `<ol class="mono">${items
    .slice(-10)
    .reverse()
    .map((x) => `<li>${escapeHtml(typeof x === 'string' ? x : JSON.stringify(x))}</li>`)
    .join('')}</ol>`;
}

/** status().recentEvents, newest first: time, type, and the product's name (or the search text). */
function recentEventsHtml(events: hearth.HearthStatus['recentEvents'], missing: string): string {
  if (!Array.isArray(events)) return `<p class="muted">${missing}</p>`;
  if (events.length === 0) return '<p class="muted">none</p>';
  const rows = [...events].reverse().map((e) => {
    const what = e.item ? (product(e.item)?.name ?? e.item) : e.query ? `“${e.query}”` : '';
    const dwell = typeof e.ms === 'number' ? ` (${(e.ms / 1000).toFixed(1)} s)` : '';
    const time = new Date(e.time).toLocaleTimeString([], { hour12: false });
    return `<tr><td class="muted">${escapeHtml(time)}</td><td>${escapeHtml(e.type)}</td><td>${escapeHtml(what + dwell)}</td></tr>`;
  });
  return `<table data-recent-events><tbody>${rows.join('')}</tbody></table>`;
}

const percent = (xs: { name: string; share: number }[]) =>
  xs.length ? xs.map((x) => `${x.name} ${Math.round(x.share * 100)}%`).join(', ') : 'none yet';

/** status().features: what the SDK's worker derived from the history for the last rank() (affinities decay, half-life 6 h). */
function featuresHtml(f: hearth.HearthStatus['features'], missing: string): string {
  if (typeof f !== 'object' || f === null) return `<p class="muted">${missing}</p>`;
  return [
    field('top categories', percent(f.topCategories ?? [])),
    field('top brands', percent(f.topBrands ?? [])),
    field('sequence length (known products)', f.sequenceLength),
    field('events this session', f.sessionEvents),
    field('minutes since last event', f.minutesSinceLast < 0 ? 'none yet' : f.minutesSinceLast),
    field('time of day', `${f.partOfDay} (${f.hour} h)`),
  ].join('');
}

function ranksHtml(): string {
  if (hearth.lastRanks.size === 0) return '<p class="muted">no list rendered yet</p>';
  const all = [...hearth.lastRanks];
  const [, latest] = all.at(-1)!;
  const head =
    latest.ranker === 'hearth'
      ? field('latency', `${latest.latencyMs.toFixed(1)} ms`)
      : `<p class="warn">shop order kept: ${escapeHtml(latest.note ?? '')}</p>`;
  // Newest first: the list the shopper is looking at is on top.
  const rows = all
    .reverse()
    .slice(0, 8)
    .map(
      ([name, r]) =>
        `<tr><td>${escapeHtml(name)}</td><td>${r.order.length}</td><td>${escapeHtml(r.ranker)}</td>
         <td>${r.ranker === 'hearth' ? `${r.latencyMs.toFixed(1)} ms` : '–'}</td></tr>`,
    );
  return `${head}<table><thead><tr><th>list</th><th>items</th><th>ranked by</th><th>latency</th></tr></thead>
    <tbody>${rows.join('')}</tbody></table>`;
}

/**
 * The privacy cost of the model version the SDK ranks with, as the aggregator's registry states it
 * (GET /v1/models on this origin, where `npm start` serves the API): the SDK names the version (its
 * number or its checksum's prefix) but does not report its ε. Looked up once per version; null when
 * there is no aggregator here (`npm run dev -w demo-shop`) or it does not know the version.
 */
type VersionPrivacy = { version: number; epsilon: number; delta: number } | null;
const privacyByVersion = new Map<string, Promise<VersionPrivacy>>();
function versionPrivacy(modelVersion: string): Promise<VersionPrivacy> {
  let p = privacyByVersion.get(modelVersion);
  if (!p) {
    p = fetch('/v1/models', { cache: 'no-cache' })
      .then((r) => (r.ok ? r.json() : { versions: [] }))
      .then(
        (j: { versions?: { version: number; weightsSha256: string; epsilon: number; delta: number }[] }) => {
          const v = (j.versions ?? []).find(
            (x) => String(x.version) === modelVersion || x.weightsSha256.startsWith(modelVersion),
          );
          return v ? { version: v.version, epsilon: v.epsilon, delta: v.delta } : null;
        },
      )
      .catch(() => null);
    privacyByVersion.set(modelVersion, p);
  }
  return p;
}

/** The last explain() answer, kept across the panel's repaints. */
let explained: { id: string; text: string } | undefined;

function scoresHtml(): string {
  const ranked = [...hearth.lastRanks].filter(([, r]) => r.ranker === 'hearth');
  const last = ranked.at(-1);
  if (!last) return '<p class="muted">No list was ranked by Hearth: tiles are in the shop’s own order.</p>';
  const [name, r] = last;
  const rows = r.order.slice(0, 12).map((id, i) => {
    const s = r.scored.get(id);
    return `<tr><td>${i + 1}</td><td><button class="linkish" data-explain="${escapeHtml(id)}" title="explain()">${escapeHtml(product(id)?.name ?? id)}</button></td>
      <td>${s && Number.isFinite(s.score) ? s.score.toFixed(3) : '–'}</td><td>${escapeHtml(s?.reason ?? '')}</td></tr>`;
  });
  const why = explained
    ? `<p class="explain">why “${escapeHtml(product(explained.id)?.name ?? explained.id)}”: ${escapeHtml(explained.text)}</p>`
    : '<p class="muted">click a product for explain()</p>';
  return `<p class="muted">${escapeHtml(name)}</p>${why}<table><thead><tr><th>#</th><th>product</th><th>score</th><th>reason</th></tr></thead>
    <tbody>${rows.join('')}</tbody></table>`;
}

export function mountDebugPanel(root: HTMLElement): void {
  root.innerHTML = `
    <button class="debug-toggle" data-debug-toggle aria-expanded="false">${icon('bug', 18)} Hearth debug</button>
    <aside class="debug-panel" hidden aria-label="Hearth debug panel">
      <header><strong>Hearth debug</strong><label class="muted"><input type="checkbox" data-show-scores> scores on tiles</label>
        <button class="icon-button" data-debug-toggle aria-label="Close debug panel">${icon('close', 16)}</button></header>
      <div class="debug-body"></div>
      <footer class="debug-actions">
        <button class="button secondary" data-action="forget">Forget me</button>
        <button class="button secondary" data-action="trainNow">Train now</button>
        <button class="button secondary" data-action="joinRound">Join round now</button>
        <div class="debug-result muted" aria-live="polite"></div>
      </footer>
    </aside>`;
  const panel = root.querySelector<HTMLElement>('.debug-panel')!;
  const body = root.querySelector<HTMLElement>('.debug-body')!;
  const result = root.querySelector<HTMLElement>('.debug-result')!;
  let timer: number | undefined;

  const paint = async () => {
    const s = await hearth.status();
    const loaded = hearth.sdkLoaded();
    const other = s ? Object.entries(s).filter(([k]) => !KNOWN.has(k)) : [];
    const registry =
      s && s['epsilon'] === undefined && typeof s.modelVersion === 'string'
        ? await versionPrivacy(s.modelVersion)
        : null;
    body.innerHTML = `
      <section data-debug="sdk"><h3>SDK</h3>
        ${loaded ? field('state', s?.initialized ? 'initialized' : 'loaded, not initialized') : '<p class="warn">SDK not loaded: the shop shows its own order.</p>'}
        ${field('backend in use', s?.backend, loaded ? 'not reported' : '–')}</section>
      <section data-debug="model"><h3>Model</h3>
        ${field('version', s?.modelVersion, loaded ? 'no model' : '–')}
        ${field('weights', s?.personalised === undefined ? undefined : s.personalised ? 'personal (trained on this device)' : 'as served', loaded ? 'not reported' : '–')}
        ${field('ε (privacy spent)', s?.['epsilon'] ?? (registry ? `${registry.epsilon.toFixed(3)} (aggregator, v${registry.version})` : undefined), loaded ? 'not reported' : '–')}
        ${field('δ', s?.['delta'] ?? registry?.delta, loaded ? 'not reported' : '–')}</section>
      <section data-debug="consent"><h3>Consent</h3>
        ${field('consent', s?.consent, loaded ? 'not reported' : '–')}
        ${field('storing on device', s?.storing, loaded ? 'not reported' : '–')}
        ${field('Global Privacy Control', s?.gpc, loaded ? 'not reported' : '–')}</section>
      <section data-debug="events"><h3>Recent events</h3>
        ${field('events in history', s?.events, loaded ? 'not reported' : '–')}
        ${recentEventsHtml(s?.recentEvents, loaded ? 'not reported by this SDK' : 'SDK not loaded')}</section>
      <section data-debug="features"><h3>Features</h3>${featuresHtml(
        s?.features,
        !loaded ? 'SDK not loaded' : 'none yet: the SDK reports them after its first ranked list',
      )}</section>
      <section data-debug="rank"><h3>Last rank()</h3>${ranksHtml()}</section>
      <section data-debug="scores"><h3>Tile scores and reasons</h3>${scoresHtml()}</section>
      <section data-debug="queue"><h3>Outbound queue</h3>${federationHtml(s?.['federation'])}${list(s?.['queue'], loaded ? 'no queue listing from this SDK' : 'SDK not loaded')}</section>
      <section data-debug="messages"><h3>SDK messages</h3>${list(s?.messages, loaded ? 'none' : 'SDK not loaded')}</section>
      ${other.length ? `<section data-debug="other"><h3>Other fields</h3>${other.map(([k, v]) => field(k, v)).join('')}</section>` : ''}`;
    for (const b of root.querySelectorAll<HTMLButtonElement>('[data-action]')) {
      const ok = hearth.available(b.dataset['action'] as hearth.Action);
      b.disabled = !ok;
      b.title = ok ? '' : 'SDK not loaded (or does not offer this yet)';
    }
  };

  const setOpen = (open: boolean) => {
    panel.hidden = !open;
    root.querySelector('.debug-toggle')?.setAttribute('aria-expanded', String(open));
    window.clearInterval(timer);
    if (open) {
      void paint();
      // Poll while open: status() is cheap, and events arrive from auto-capture without telling the shop.
      timer = window.setInterval(() => void paint(), 1000);
    }
  };

  root.addEventListener('click', async (e) => {
    const t = e.target as HTMLElement;
    if (t.closest('[data-debug-toggle]')) setOpen(panel.hidden !== false);
    const explain = t.closest<HTMLElement>('[data-explain]');
    if (explain) {
      const id = explain.dataset['explain']!;
      explained = { id, text: (await hearth.explain(id)) ?? 'the SDK gave no explanation' };
      void paint();
    }
    const action = t.closest<HTMLButtonElement>('[data-action]');
    if (action) {
      result.textContent = '…';
      result.textContent = await hearth.run(action.dataset['action'] as hearth.Action);
      void paint();
    }
  });
  root.querySelector<HTMLInputElement>('[data-show-scores]')!.addEventListener('change', (e) => {
    document.body.classList.toggle('show-scores', (e.target as HTMLInputElement).checked);
  });
  hearth.onRank(() => {
    if (!panel.hidden) void paint();
  });
}
