// The pages of the shop. Each returns a DOM node; every product list in them goes through renderList.
import type { Line } from './cart';
import {
  brandName,
  catalog,
  category,
  department,
  departmentOf,
  inCategory,
  inDepartment,
  price,
  product,
  search,
  shopOrder,
} from './catalog';
import type { Department, Product } from './catalog-types';
import * as hearth from './hearth';
import { escapeHtml, icon, productImage } from './icons';
import { renderList } from './render';

function el(html: string): HTMLElement {
  const t = document.createElement('template');
  t.innerHTML = html.trim();
  return t.content.firstElementChild as HTMLElement;
}

function section(title: string, list: HTMLElement, link?: { href: string; text: string }): HTMLElement {
  const s = el(`<section class="shelf"><div class="shelf-head"><h2>${escapeHtml(title)}</h2>
    ${link ? `<a href="${link.href}">${escapeHtml(link.text)} →</a>` : ''}</div></section>`);
  s.append(list);
  return s;
}

function crumbs(parts: { href?: string; text: string }[]): string {
  const html = parts.map((p) =>
    p.href ? `<a href="${p.href}">${escapeHtml(p.text)}</a>` : `<span>${escapeHtml(p.text)}</span>`,
  );
  return `<nav class="crumbs" aria-label="Breadcrumb">${html.join('<span class="sep">/</span>')}</nav>`;
}

export function home(): HTMLElement {
  const page = el('<main class="page home"></main>');
  const gifts = department('gifts');
  page.append(
    el(`<section class="hero">
      <div class="hero-text"><p class="eyebrow">Hearth Market</p>
        <h1>Tech, home and gifts, picked for you on your own device</h1>
        <p>Our lists learn from what you browse, right here in your browser. Nothing about you leaves it.</p>
        <div class="hero-cta"><a class="button primary" href="#/d/electronics">Shop electronics</a>
          <a class="button ghost" href="#/d/gifts">Browse gifts</a></div></div>
      <div class="hero-art">${heroArt()}</div></section>`),
  );
  page.append(departmentCards());
  // Home shelves never repeat a product, so the page shows twelve different things per shelf.
  const seen = new Set<string>();
  const fresh = (products: Product[]) => {
    const out = products.filter((p) => !seen.has(p.id)).slice(0, 12);
    for (const p of out) seen.add(p.id);
    return out;
  };
  // The shelf where personalization shows most: Hearth picks 12 of a wide pool (the best of every
  // department); without it, the pool's shop order is the shop's "popular" shelf.
  const shelf = { pageSize: 12, showMore: false };
  const pool = acrossDepartments(8);
  for (const p of pool.slice(0, 12)) seen.add(p.id);
  page.append(section('Recommended for you', renderList(pool, 'home-recommended', shelf)));
  if (gifts) {
    const under10 = inDepartment(gifts).filter((p) => p.price < 10);
    page.append(
      section('Gifts under $10', renderList(fresh(under10), 'home-gifts'), {
        href: '#/d/gifts',
        text: 'All gifts',
      }),
    );
  }
  const tech = ['electronics', 'computers'].flatMap((id) => {
    const d = department(id);
    return d ? inDepartment(d) : [];
  });
  page.append(
    section('Top in tech', renderList(fresh(shopOrder(tech)), 'home-tech'), {
      href: '#/d/electronics',
      text: 'All electronics',
    }),
  );
  return page;
}

/** The most popular product of each department in turn, up to `perDepartment` from each. */
function acrossDepartments(perDepartment: number): Product[] {
  const queues = catalog.departments.map((d) => inDepartment(d).slice(0, perDepartment));
  const out: Product[] = [];
  for (let i = 0; i < perDepartment; i++) for (const q of queues) if (q[i]) out.push(q[i]!);
  return out;
}

function heroArt(): string {
  const pick = ['1004767', 'or-85123A', '1307067', 'or-22423'].map(product).filter((p) => p !== undefined);
  return pick
    .map((p) => `<a href="#/p/${encodeURIComponent(p.id)}">${productImage(p.image, p.name)}</a>`)
    .join('');
}

function departmentCards(): HTMLElement {
  const cards = catalog.departments.map((d) => {
    const n = d.categories.reduce((sum, c) => sum + c.count, 0);
    return `<a class="dept-card" href="#/d/${d.id}" style="--dept:${d.color}">
      <span class="dept-icon">${icon(d.icon, 28)}</span><span class="dept-name">${escapeHtml(d.name)}</span>
      <span class="dept-count">${n} products</span></a>`;
  });
  return el(`<section class="dept-cards" aria-label="Departments">${cards.join('')}</section>`);
}

type Sort = 'recommended' | 'price-asc' | 'price-desc';

function sorted(products: Product[], sort: Sort): Product[] {
  if (sort === 'price-asc') return [...products].sort((a, b) => a.price - b.price);
  if (sort === 'price-desc') return [...products].sort((a, b) => b.price - a.price);
  return products;
}

function listingPage(opts: {
  title: string;
  crumbs: string;
  dept: Department;
  activeCategory?: string;
  products: Product[];
  listName: string;
  sort: Sort;
  baseHref: string;
}): HTMLElement {
  const chips = opts.dept.categories.map(
    (c) =>
      `<a class="chip${c.id === opts.activeCategory ? ' active' : ''}" href="#/c/${encodeURIComponent(c.id)}">${escapeHtml(c.name)} <span>${c.count}</span></a>`,
  );
  const page = el(`<main class="page listing" style="--dept:${opts.dept.color}">
    ${opts.crumbs}
    <div class="listing-head"><h1>${escapeHtml(opts.title)}</h1>
      <span class="result-count">${opts.products.length} products</span>
      <label class="sort">Sort by <select data-sort>
        <option value="recommended">Recommended for you</option>
        <option value="price-asc">Price: low to high</option>
        <option value="price-desc">Price: high to low</option></select></label></div>
    <div class="chips"><a class="chip${opts.activeCategory ? '' : ' active'}" href="#/d/${opts.dept.id}">All ${escapeHtml(opts.dept.name)}</a>${chips.join('')}</div>
  </main>`);
  const select = page.querySelector<HTMLSelectElement>('[data-sort]')!;
  select.value = opts.sort;
  select.addEventListener('change', () => {
    location.hash = select.value === 'recommended' ? opts.baseHref : `${opts.baseHref}?sort=${select.value}`;
  });
  page.append(
    renderList(sorted(opts.products, opts.sort), opts.listName, { personalize: opts.sort === 'recommended' }),
  );
  return page;
}

export function departmentPage(id: string, sort: Sort): HTMLElement {
  const d = department(id);
  if (!d) return notFound();
  return listingPage({
    title: d.name,
    crumbs: crumbs([{ href: '#/', text: 'Home' }, { text: d.name }]),
    dept: d,
    products: inDepartment(d),
    listName: `department:${d.id}`,
    sort,
    baseHref: `#/d/${d.id}`,
  });
}

export function categoryPage(id: string, sort: Sort): HTMLElement {
  const c = category(id);
  const d = catalog.departments.find((x) => x.categories.some((y) => y.id === id));
  if (!c || !d) return notFound();
  return listingPage({
    title: c.name,
    crumbs: crumbs([{ href: '#/', text: 'Home' }, { href: `#/d/${d.id}`, text: d.name }, { text: c.name }]),
    dept: d,
    activeCategory: c.id,
    products: inCategory(c.id),
    listName: `category:${c.id}`,
    sort,
    baseHref: `#/c/${encodeURIComponent(c.id)}`,
  });
}

export function productPage(id: string): HTMLElement {
  const p = product(id);
  if (!p) return notFound();
  const d = departmentOf(p);
  const c = category(p.category);
  const source =
    p.source === 'rees46'
      ? 'REES46 open e-commerce behaviour data (product, category, brand and price)'
      : 'UCI Online Retail data set, CC BY 4.0 (name and price, converted from GBP)';
  const page = el(`<main class="page product" style="--dept:${d?.color ?? '#444'}">
    ${crumbs([
      { href: '#/', text: 'Home' },
      ...(d ? [{ href: `#/d/${d.id}`, text: d.name }] : []),
      ...(c ? [{ href: `#/c/${encodeURIComponent(c.id)}`, text: c.name }] : []),
      { text: p.name },
    ])}
    <div class="product-main" data-product="${escapeHtml(p.id)}">
      <div class="product-gallery">${productImage(p.image, p.name)}</div>
      <div class="product-info">
        ${p.brand ? `<a class="product-brand" href="#/search?q=${encodeURIComponent(p.brand)}">${escapeHtml(brandName(p.brand))}</a>` : ''}
        <h1>${escapeHtml(p.name)}</h1>
        <div class="badges">${p.badges.map((b) => `<span class="badge badge-${b.toLowerCase()}">${escapeHtml(b)}</span>`).join('')}</div>
        <div class="product-price">${price(p.price)}</div>
        <p class="stock">${icon('check', 16)} In stock</p>
        <div class="buy"><button class="button primary big" data-add="${escapeHtml(p.id)}">${icon('cart', 18)} Add to cart</button></div>
        <dl class="specs">
          <dt>Category</dt><dd>${escapeHtml(c?.name ?? p.category)}</dd>
          ${p.brand ? `<dt>Brand</dt><dd>${escapeHtml(brandName(p.brand))}</dd>` : ''}
          <dt>Item number</dt><dd>${escapeHtml(p.id)}</dd>
          <dt>Data source</dt><dd>${escapeHtml(source)}</dd>
        </dl>
      </div>
    </div>
  </main>`);
  // Shelves show 12 of up to 48 candidates, so that what the shopper did can change which 12.
  const shelf = { pageSize: 12, showMore: false };
  const same = inCategory(p.category).filter((x) => x.id !== p.id);
  if (same.length > 0)
    page.append(
      section(
        `More ${c?.name ?? 'like this'}`,
        renderList(same.slice(0, 48), `product-similar:${p.id}`, shelf),
      ),
    );
  if (d) {
    const others = inDepartment(d).filter((x) => x.category !== p.category);
    if (others.length > 0)
      page.append(
        section(`More in ${d.name}`, renderList(others.slice(0, 48), `product-department:${p.id}`, shelf)),
      );
  }
  return page;
}

export function searchPage(query: string): HTMLElement {
  const hits = search(query);
  const page = el(`<main class="page listing search-page">
    ${crumbs([{ href: '#/', text: 'Home' }, { text: 'Search' }])}
    <div class="listing-head"><h1>${hits.length > 0 ? 'Results for' : 'No results for'} “${escapeHtml(query)}”</h1>
      <span class="result-count">${hits.length} products</span></div></main>`);
  if (query.trim()) hearth.track({ type: 'search', query: query.trim() });
  if (hits.length > 0) page.append(renderList(hits, 'search'));
  else {
    page.append(
      el(
        `<p class="empty">Try a brand (samsung, apple), a kind of product (laptop, mug) or a department.</p>`,
      ),
    );
    page.append(
      section('Popular right now', renderList(shopOrder(catalog.products).slice(0, 8), 'search-empty')),
    );
  }
  return page;
}

export function thanksPage(bought: Line[]): HTMLElement {
  const total = bought.reduce((s, l) => s + (product(l.id)?.price ?? 0) * l.qty, 0);
  const rows = bought
    .map((l) => {
      const p = product(l.id);
      return p
        ? `<li><span>${l.qty} × ${escapeHtml(p.name)}</span><span>${price(p.price * l.qty)}</span></li>`
        : '';
    })
    .join('');
  return el(`<main class="page thanks"><div class="thanks-card">
    <div class="thanks-icon">${icon('gift', 40)}</div>
    <h1>Thank you for your order</h1>
    <p>This is a demo shop: nothing is charged or shipped. Your purchase was recorded on this device only.</p>
    <ul class="order-lines">${rows}</ul>
    <div class="subtotal"><span>Total</span><strong>${price(total)}</strong></div>
    <a class="button primary" href="#/">Continue shopping</a></div></main>`);
}

export function notFound(): HTMLElement {
  return el(`<main class="page thanks"><div class="thanks-card"><h1>We could not find that page</h1>
    <a class="button primary" href="#/">Back to the shop</a></div></main>`);
}
