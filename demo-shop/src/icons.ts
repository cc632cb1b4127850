// Line icons on a 24×24 grid (stroke, no fill), drawn for this shop so nothing is fetched from a network.
import type { ImageSpec } from './catalog-types';

const ICONS: Record<string, string> = {
  phone: '<rect x="7" y="2.5" width="10" height="19" rx="2"/><path d="M11 18.5h2"/>',
  laptop: '<rect x="4.5" y="5" width="15" height="10" rx="1.2"/><path d="M2.5 18.5h19l-1.5-3.5h-16z"/>',
  desktop: '<rect x="3" y="4" width="18" height="12" rx="1.2"/><path d="M9 20h6M12 16v4"/>',
  tablet: '<rect x="5" y="3" width="14" height="18" rx="2"/><path d="M11 18h2"/>',
  tv: '<rect x="2.5" y="5" width="19" height="12" rx="1.2"/><path d="M8 21h8M12 17v4"/>',
  watch:
    '<circle cx="12" cy="12" r="5.5"/><path d="M12 9.5V12l1.5 1.5M9 6.8 9.5 3h5l.5 3.8M9 17.2l.5 3.8h5l.5-3.8"/>',
  headphones:
    '<path d="M4 15v-3a8 8 0 0 1 16 0v3"/><rect x="3" y="14" width="4" height="6" rx="1.2"/><rect x="17" y="14" width="4" height="6" rx="1.2"/>',
  speaker:
    '<rect x="6" y="2.5" width="12" height="19" rx="2"/><circle cx="12" cy="14.5" r="3.5"/><circle cx="12" cy="7" r="1.2"/>',
  camera:
    '<rect x="3" y="7" width="18" height="13" rx="2"/><circle cx="12" cy="13.5" r="3.5"/><path d="M8.5 7l1.5-2.5h4L15.5 7"/>',
  gamepad:
    '<path d="M7 7h10a4.5 4.5 0 0 1 4.3 5.7l-1.2 4.5a2.4 2.4 0 0 1-4.1 1L14.5 16h-5L8 18.2a2.4 2.4 0 0 1-4.1-1l-1.2-4.5A4.5 4.5 0 0 1 7 7z"/><path d="M8 10.5v3M6.5 12h3"/><circle cx="15.5" cy="11" r=".6"/><circle cx="17" cy="13" r=".6"/>',
  chip: '<rect x="6" y="6" width="12" height="12" rx="1.5"/><rect x="9.5" y="9.5" width="5" height="5"/><path d="M9 3v3M15 3v3M9 18v3M15 18v3M3 9h3M3 15h3M18 9h3M18 15h3"/>',
  appliance:
    '<rect x="4.5" y="2.5" width="15" height="19" rx="1.8"/><path d="M4.5 7h15"/><circle cx="12" cy="14" r="4"/><path d="M7 4.8h1.5M11 4.8h1.5"/>',
  sofa: '<path d="M5 11V8a2 2 0 0 1 2-2h10a2 2 0 0 1 2 2v3"/><path d="M3 12a2 2 0 0 1 4 0v2h10v-2a2 2 0 0 1 4 0v5H3z"/><path d="M5 17v2M19 17v2"/>',
  shoe: '<path d="M3 16V8.5l4 1 2-2.5 3 4 4 1.5c3 1 5 2 5 3.5V18H3z"/><path d="M3 15.5h18M10 10.5l1.5-1M11.5 12.3l1.5-1"/>',
  bag: '<path d="M5 8h14l-1 12.5H6z"/><path d="M9 10V6.5a3 3 0 0 1 6 0V10"/>',
  bottle:
    '<path d="M9.5 2.5h5v3l1.5 2v12.5a1.5 1.5 0 0 1-1.5 1.5h-5A1.5 1.5 0 0 1 8 20V7.5l1.5-2z"/><path d="M8 12h8"/>',
  wrench:
    '<path d="M14.5 4.5a4.5 4.5 0 0 0-4.3 5.9L3.8 16.8a1.9 1.9 0 0 0 2.7 2.7l6.4-6.4a4.5 4.5 0 0 0 5.9-4.3l-2.6 2.6-2.8-.4-.4-2.8z"/>',
  wheel:
    '<circle cx="12" cy="12" r="9"/><circle cx="12" cy="12" r="3"/><path d="M12 3v6M12 15v6M3 12h6M15 12h6"/>',
  ball: '<circle cx="12" cy="12" r="9"/><path d="M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18M3.5 9h17M3.5 15h17"/>',
  gift: '<rect x="3.5" y="8" width="17" height="4" rx="1"/><path d="M5 12v8.5h14V12M12 8v12.5"/><path d="M12 8C10.5 4.5 6.5 4 7 6.5 7.3 8 12 8 12 8zm0 0c1.5-3.5 5.5-4 5-1.5-.3 1.5-5 1.5-5 1.5z"/>',
  cup: '<path d="M4 8h13v5a6 6 0 0 1-6 6h-1a6 6 0 0 1-6-6z"/><path d="M17 10h1.5a2.5 2.5 0 0 1 0 5H17M8 2.5v2.5M12 2.5v2.5"/>',
  star: '<path d="M12 3l2.7 5.6 6.1.8-4.5 4.3 1.1 6.1L12 16.9 6.6 19.8l1.1-6.1-4.5-4.3 6.1-.8z"/>',
  candle:
    '<rect x="8" y="10" width="8" height="11" rx="1"/><path d="M12 10V8M12 8c-1.5-1.2-1.5-3 0-5 1.5 2 1.5 3.8 0 5z"/>',
  pencil: '<path d="M15.5 4.5l4 4L8 20H4v-4z"/><path d="M13 7l4 4"/>',
  home: '<path d="M3.5 11 12 4l8.5 7"/><path d="M5.5 9.5V20h13V9.5"/><path d="M10 20v-5h4v5"/>',
  // User-interface icons.
  search: '<circle cx="11" cy="11" r="6.5"/><path d="M16 16l4.5 4.5"/>',
  cart: '<path d="M2.5 3.5h3l2.3 11h11l2-8H6.7"/><circle cx="9" cy="19" r="1.5"/><circle cx="17" cy="19" r="1.5"/>',
  check: '<path d="M5 12.5l4.5 4.5L19 7.5"/>',
  close: '<path d="M6 6l12 12M18 6L6 18"/>',
  bug: '<rect x="7" y="7" width="10" height="13" rx="5"/><path d="M12 7V4.5M9 5l1.5 2M15 5l-1.5 2M3.5 11H7M17 11h3.5M3.5 16H7M17 16h3.5"/>',
  flame:
    '<path d="M12 21c-4 0-6.5-2.7-6.5-6.2 0-4.3 4-6.3 4.5-10.8 3.5 2 5 4.8 4.7 7.6 1-.6 1.8-1.6 2.2-2.8 1.2 1.5 1.6 3.6 1.6 5.4 0 3.7-2.5 6.8-6.5 6.8z"/>',
};

export function icon(name: string, size = 20): string {
  const body = ICONS[name] ?? ICONS['gift'];
  return `<svg class="icon" width="${size}" height="${size}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${body}</svg>`;
}

function mix(hex: string, white: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const ch = (shift: number) => Math.round(((n >> shift) & 255) * (1 - white) + 255 * white);
  return `rgb(${ch(16)} ${ch(8)} ${ch(0)})`;
}

/**
 * A product "photo": a soft tint of the department colour, the category's icon as the object, and the
 * brand's initials as a small mark. Shade varies the tint per product so a grid does not look stamped.
 */
export function productImage(spec: ImageSpec, label: string): string {
  const tint = mix(spec.color, 0.93 - spec.shade * 0.025);
  const disc = mix(spec.color, 0.8 - spec.shade * 0.03);
  const body = ICONS[spec.icon] ?? ICONS['gift'];
  return `<svg class="product-image" viewBox="0 0 100 100" role="img" aria-label="${escapeHtml(label)}">
  <rect width="100" height="100" fill="${tint}"/>
  <circle cx="50" cy="48" r="29" fill="${disc}"/>
  <ellipse cx="50" cy="84" rx="24" ry="3" fill="${spec.color}" opacity=".12"/>
  <g transform="translate(26 24) scale(2)" fill="none" stroke="${spec.color}" stroke-width="1.3" stroke-linecap="round" stroke-linejoin="round">${body}</g>
  <text x="92" y="93" text-anchor="end" font-family="system-ui, sans-serif" font-size="7.5" font-weight="700" letter-spacing=".6" fill="${spec.color}" opacity=".75">${escapeHtml(spec.initials)}</text>
</svg>`;
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
