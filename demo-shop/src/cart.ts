// The shop's cart: its own state in localStorage (not Hearth's), a drawer, and checkout.
import { price, product } from './catalog';
import * as hearth from './hearth';
import { escapeHtml, icon, productImage } from './icons';

const KEY = 'hearth-market-cart';

export interface Line {
  id: string;
  qty: number;
}

function load(): Line[] {
  try {
    const lines = JSON.parse(localStorage.getItem(KEY) ?? '[]') as Line[];
    return Array.isArray(lines) ? lines.filter((l) => product(l.id) && l.qty > 0) : [];
  } catch {
    return [];
  }
}

let lines = load();
const listeners = new Set<() => void>();

function save(): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(lines));
  } catch {
    // Private mode or a full quota: the cart still works for this page view.
  }
  for (const fn of listeners) fn();
}

export function onChange(fn: () => void): void {
  listeners.add(fn);
}

export function items(): Line[] {
  return lines;
}

export function count(): number {
  return lines.reduce((n, l) => n + l.qty, 0);
}

export function subtotal(): number {
  return lines.reduce((sum, l) => sum + (product(l.id)?.price ?? 0) * l.qty, 0);
}

export function add(id: string, qty = 1): void {
  const line = lines.find((l) => l.id === id);
  if (line) line.qty += qty;
  else lines = [...lines, { id, qty }];
  save();
  hearth.track({ type: 'add_to_cart', item: id });
}

export function setQty(id: string, qty: number): void {
  lines = lines.map((l) => (l.id === id ? { ...l, qty } : l)).filter((l) => l.qty > 0);
  save();
}

/** Places the (pretend) order: one purchase event per product, then an empty cart. */
export function checkout(): Line[] {
  const bought = lines;
  for (const l of bought) hearth.track({ type: 'purchase', item: l.id });
  lines = [];
  save();
  return bought;
}

// --- the drawer ---------------------------------------------------------------------------------

export function mountDrawer(
  root: HTMLElement,
  onCheckout: (bought: Line[]) => void,
): {
  open(): void;
} {
  root.innerHTML = `
    <div class="drawer-backdrop" data-close></div>
    <aside class="drawer" role="dialog" aria-modal="true" aria-label="Shopping cart">
      <header class="drawer-head"><h2>Your cart</h2>
        <button class="icon-button" data-close aria-label="Close cart">${icon('close')}</button></header>
      <div class="drawer-lines"></div>
      <footer class="drawer-foot"></footer>
    </aside>`;
  const linesEl = root.querySelector<HTMLElement>('.drawer-lines')!;
  const foot = root.querySelector<HTMLElement>('.drawer-foot')!;

  const paint = () => {
    if (lines.length === 0) {
      linesEl.innerHTML = `<div class="empty-cart">${icon('cart', 40)}<p>Your cart is empty.</p>
        <a class="button secondary" href="#/" data-close>Continue shopping</a></div>`;
      foot.innerHTML = '';
      return;
    }
    linesEl.innerHTML = lines
      .map((l) => {
        const p = product(l.id)!;
        return `<div class="cart-line" data-cart-line="${escapeHtml(p.id)}">
          <a class="cart-thumb" href="#/p/${encodeURIComponent(p.id)}" data-close>${productImage(p.image, p.name)}</a>
          <div class="cart-info"><a href="#/p/${encodeURIComponent(p.id)}" data-close>${escapeHtml(p.name)}</a>
            <div class="qty"><button data-qty="-1" aria-label="One less">−</button><span class="qty-n">${l.qty}</span>
            <button data-qty="1" aria-label="One more">+</button></div></div>
          <div class="cart-price">${price(p.price * l.qty)}</div></div>`;
      })
      .join('');
    foot.innerHTML = `<div class="subtotal"><span>Subtotal</span><strong>${price(subtotal())}</strong></div>
      <p class="fine">Demo shop: checkout places no real order and takes no payment.</p>
      <button class="button primary wide" data-checkout>Checkout</button>`;
  };
  paint();
  onChange(paint);

  const open = () => root.classList.add('open');
  const close = () => root.classList.remove('open');
  root.addEventListener('click', (e) => {
    const t = e.target as HTMLElement;
    const qty = t.closest<HTMLElement>('[data-qty]');
    if (qty) {
      const id = qty.closest<HTMLElement>('[data-cart-line]')?.dataset['cartLine'];
      const line = lines.find((l) => l.id === id);
      if (line) setQty(line.id, line.qty + Number(qty.dataset['qty']));
      return;
    }
    if (t.closest('[data-checkout]')) {
      close();
      onCheckout(checkout());
      return;
    }
    if (t.closest('[data-close]')) close();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') close();
  });
  return { open };
}
