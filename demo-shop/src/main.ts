// The storefront: header, navigation, a hash router over the pages, the cart drawer and the debug panel.
// Hash routes (#/d/…, #/c/…, #/p/…) keep it a static site that any file server can host.
import './styles.css';
import * as cart from './cart';
import { catalog } from './catalog';
import { mountDebugPanel } from './debug-panel';
import * as hearth from './hearth';
import { escapeHtml, icon } from './icons';
import * as pages from './pages';

const app = document.querySelector<HTMLElement>('#app')!;

app.innerHTML = `
  <div class="promo">Demo storefront for Hearth: lists are personalized in your browser, and nothing you do leaves it.</div>
  <header class="site-header">
    <div class="header-inner">
      <a class="logo" href="#/">${icon('flame', 26)}<span>Hearth <b>Market</b></span></a>
      <form class="search" role="search" data-search>
        <input type="search" name="q" placeholder="Search products and brands" aria-label="Search" autocomplete="off">
        <button type="submit" aria-label="Search">${icon('search', 18)}</button>
      </form>
      <button class="cart-button" data-open-cart aria-label="Open cart">${icon('cart', 22)}<span>Cart</span>
        <span class="cart-count" data-cart-count>0</span></button>
    </div>
    <nav class="dept-nav" aria-label="Departments"><div class="header-inner">${catalog.departments
      .map((d) => `<a href="#/d/${d.id}" data-dept="${d.id}">${escapeHtml(d.name)}</a>`)
      .join('')}</div></nav>
  </header>
  <div id="view"></div>
  <footer class="site-footer"><div class="header-inner">
    <div><strong>Hearth Market</strong><p>A demo shop for Hearth, privacy-preserving personalization that runs on
      your device.</p></div>
    <div><strong>Catalogue</strong><p>Products from the REES46 open e-commerce behaviour data and the UCI Online
      Retail data set (CC BY 4.0). Pictures are drawn placeholders.</p></div>
    <div><strong>Your data</strong><p>Browsing history stays in this browser. Open “Hearth debug” to see it, or to
      forget it.</p>
      <label class="switch"><input type="checkbox" data-consent> Personalize lists on this device</label></div>
  </div></footer>
  <div class="cart-drawer" id="cart"></div>
  <div id="debug"></div>
  <div class="toast" role="status" aria-live="polite"></div>`;

const view = app.querySelector<HTMLElement>('#view')!;
const countEl = app.querySelector<HTMLElement>('[data-cart-count]')!;
const toast = app.querySelector<HTMLElement>('.toast')!;
let lastOrder: cart.Line[] = [];

const drawer = cart.mountDrawer(app.querySelector<HTMLElement>('#cart')!, (bought) => {
  lastOrder = bought;
  location.hash = '#/thanks';
});
mountDebugPanel(app.querySelector<HTMLElement>('#debug')!);

const paintCount = () => {
  countEl.textContent = String(cart.count());
  countEl.classList.toggle('zero', cart.count() === 0);
};
paintCount();
cart.onChange(paintCount);

// The shopper's consent switch. The shop remembers an explicit choice and hands it to Hearth on every load;
// with no choice made, Hearth's own default (its requireConsent setting) applies.
const CONSENT_KEY = 'hearth-market-consent';
const consentBox = app.querySelector<HTMLInputElement>('[data-consent]')!;
const storedConsent = (() => {
  try {
    return localStorage.getItem(CONSENT_KEY);
  } catch {
    return null; // storage blocked: no remembered choice
  }
})();
consentBox.checked = storedConsent !== 'denied';
if (storedConsent) hearth.consent(storedConsent === 'granted');
consentBox.addEventListener('change', () => {
  try {
    localStorage.setItem(CONSENT_KEY, consentBox.checked ? 'granted' : 'denied');
  } catch {
    // Not remembered across loads, but Hearth still gets the choice now.
  }
  hearth.consent(consentBox.checked);
});

app.querySelector('[data-open-cart]')!.addEventListener('click', () => drawer.open());

app.querySelector<HTMLFormElement>('[data-search]')!.addEventListener('submit', (e) => {
  e.preventDefault();
  const q = new FormData(e.target as HTMLFormElement).get('q')?.toString().trim() ?? '';
  if (q) location.hash = `#/search?q=${encodeURIComponent(q)}`;
});

// One handler for every "Add" button, wherever a list put it.
let toastTimer = 0;
document.addEventListener('click', (e) => {
  const add = (e.target as HTMLElement).closest<HTMLElement>('[data-add]');
  if (!add) return;
  e.preventDefault();
  cart.add(add.dataset['add']!);
  // From a grid a toast is enough; from the product page the shopper wants to see the cart.
  if (!add.closest('.tile')) {
    drawer.open();
    return;
  }
  toast.textContent = 'Added to your cart';
  toast.classList.add('visible');
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => toast.classList.remove('visible'), 1800);
});

function route(): void {
  const [path = '', queryString = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(queryString);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const sortParam = params.get('sort');
  const sort = sortParam === 'price-asc' || sortParam === 'price-desc' ? sortParam : 'recommended';
  let page: HTMLElement;
  let title = 'Hearth Market';
  if (parts.length === 0) page = pages.home();
  else if (parts[0] === 'd' && parts[1]) page = pages.departmentPage(parts[1], sort);
  else if (parts[0] === 'c' && parts[1]) page = pages.categoryPage(parts[1], sort);
  else if (parts[0] === 'p' && parts[1]) page = pages.productPage(parts[1]);
  else if (parts[0] === 'search') page = pages.searchPage(params.get('q') ?? '');
  else if (parts[0] === 'thanks') page = pages.thanksPage(lastOrder);
  else page = pages.notFound();
  const h1 = page.querySelector('h1')?.textContent;
  if (parts.length > 0 && h1) title = `${h1} · Hearth Market`;
  document.title = title;
  view.replaceChildren(page);
  // The product view (and its dwell) goes to Hearth from the router: see hearth.productShown.
  hearth.productShown(parts[0] === 'p' && parts[1] && page.querySelector('[data-product]') ? parts[1] : null);
  const input = app.querySelector<HTMLInputElement>('[data-search] input')!;
  input.value = parts[0] === 'search' ? (params.get('q') ?? '') : '';
  for (const a of app.querySelectorAll<HTMLElement>('[data-dept]'))
    a.classList.toggle('active', page.style.getPropertyValue('--dept') !== '' && isActiveDept(a, parts));
  window.scrollTo(0, 0);
}

function isActiveDept(a: HTMLElement, parts: string[]): boolean {
  const id = a.dataset['dept'];
  if (parts[0] === 'd') return parts[1] === id;
  const dept = catalog.departments.find((d) => d.id === id);
  if (parts[0] === 'c') return dept?.categories.some((c) => c.id === parts[1]) ?? false;
  if (parts[0] === 'p') {
    const p = catalog.products.find((x) => x.id === parts[1]);
    return dept?.categories.some((c) => c.id === p?.category) ?? false;
  }
  return false;
}

window.addEventListener('hashchange', route);
route();
