// Product tiles and the one function every product list goes through.

import { brandName, price } from './catalog';
import type { Product } from './catalog-types';
import * as hearth from './hearth';
import { escapeHtml, productImage } from './icons';

export interface ListOptions {
  /** How many tiles to show before "Show more" (the whole list is still ranked). */
  pageSize?: number;
  /** False for a shelf: it shows the first `pageSize` of its ranked candidates and no button. */
  showMore?: boolean;
  /** False when the shopper chose an explicit sort (price): their choice beats personalization. */
  personalize?: boolean;
}

export function tile(p: Product, list: string, position: number): HTMLElement {
  const el = document.createElement('article');
  el.className = 'tile';
  // The attributes Hearth's auto-capture reads (impressions and clicks); the rest is for the debug view.
  el.dataset['hearthItem'] = p.id;
  el.dataset['hearthCategory'] = p.category;
  if (p.brand) el.dataset['hearthBrand'] = p.brand;
  el.dataset['hearthPrice'] = String(p.price);
  el.dataset['hearthList'] = list;
  el.dataset['hearthPosition'] = String(position);
  const href = `#/p/${encodeURIComponent(p.id)}`;
  const badges = p.badges.map((b) => `<span class="badge badge-${b.toLowerCase()}">${escapeHtml(b)}</span>`);
  el.innerHTML = `
    <a class="tile-media" href="${href}" tabindex="-1">${productImage(p.image, p.name)}
      <span class="badges">${badges.join('')}</span></a>
    <div class="tile-body">
      <div class="tile-brand">${escapeHtml(brandName(p.brand))}</div>
      <a class="tile-name" href="${href}">${escapeHtml(p.name)}</a>
      <div class="tile-foot"><span class="price">${price(p.price)}</span>
        <button class="button add" data-add="${escapeHtml(p.id)}" aria-label="Add ${escapeHtml(p.name)} to cart">Add</button></div>
    </div>
    <div class="tile-why" hidden></div>`;
  return el;
}

/**
 * Renders a product list: at once in the shop's own order, then in the order Hearth's rank() returns
 * (HEARTH integration point, through hearth.ts). The grid never waits for the SDK and never loses items.
 */
export function renderList(products: Product[], listName: string, options: ListOptions = {}): HTMLElement {
  const pageSize = options.pageSize ?? 48;
  const wrap = document.createElement('div');
  wrap.className = 'list';
  wrap.dataset['list'] = listName;
  const grid = document.createElement('div');
  grid.className = 'grid';
  wrap.append(grid);

  const byId = new Map(products.map((p) => [p.id, p]));
  const tiles = new Map<string, HTMLElement>();
  let order = products.map((p) => p.id);
  let shown = Math.min(pageSize, order.length);
  let scored = new Map<string, hearth.RankedItem>();

  const more = document.createElement('button');
  more.className = 'button secondary show-more';
  more.addEventListener('click', () => {
    shown = Math.min(shown + pageSize, order.length);
    paint();
  });

  function paint(): void {
    const visible = order.slice(0, shown).map((id, i) => {
      let el = tiles.get(id);
      if (!el) {
        el = tile(byId.get(id)!, listName, i);
        tiles.set(id, el);
      }
      el.dataset['hearthPosition'] = String(i);
      const s = scored.get(id);
      const why = el.querySelector<HTMLElement>('.tile-why')!;
      if (s) {
        el.dataset['hearthScore'] = Number.isFinite(s.score) ? s.score.toFixed(3) : '';
        why.textContent = `${Number.isFinite(s.score) ? s.score.toFixed(3) : '–'} · ${s.reason || 'no reason given'}`;
      }
      return el;
    });
    grid.replaceChildren(...visible);
    more.textContent = `Show more (${order.length - shown} more)`;
    if (shown < order.length && options.showMore !== false) wrap.append(more);
    else more.remove();
  }
  paint();

  const shopIds = order;
  let retried = false;
  const rank = () =>
    hearth.rank(shopIds, listName).then((outcome) => {
      order = outcome.order;
      scored = outcome.scored;
      wrap.dataset['ranker'] = outcome.ranker;
      paint();
      // Rendered before the SDK (or its model) was ready: rank once more when it is, if still on screen.
      if (outcome.ranker !== 'hearth' && !retried) {
        retried = true;
        hearth.whenReady(() => {
          if (wrap.isConnected) void rank();
        });
      }
    });
  if (options.personalize !== false && products.length > 1) {
    void rank();
  } else {
    wrap.dataset['ranker'] = 'explicit sort';
  }
  return wrap;
}
