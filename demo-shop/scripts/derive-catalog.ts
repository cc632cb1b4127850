/**
 * Derives the demo shop's catalogue from two public data sets, deterministically (same input, same bytes):
 *
 *   ../shared/data/rees46-sample/2019-Oct-sample.csv      REES46 open e-commerce behaviour data
 *   ../shared/data/online-retail-sample/OnlineRetail.csv  UCI Online Retail (CC BY 4.0)
 *
 * and writes demo-shop/catalog/catalog.json. See demo-shop/catalog/SOURCES.md for the rules in prose.
 *
 *   npx tsx demo-shop/scripts/derive-catalog.ts [--data <dir>] [--out <file>]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Catalog, Department, ImageSpec, Product } from '../src/catalog-types';

const here = dirname(new URL(import.meta.url).pathname);

/** REES46 prices are taken as USD; Online Retail prices are GBP, converted at the Dec 2010 rate. */
export const GBP_TO_USD = 1.56;

/** Minimal RFC 4180 CSV: quoted fields with doubled quotes, commas and newlines inside quotes. */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows;
  if (!header) return [];
  return body
    .filter((r) => r.length > 1 || (r[0] ?? '') !== '')
    .map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

// ---------------------------------------------------------------------------------------------------
// Departments: what the shopper sees in the navigation. `category` on a product stays the source's
// category path (the model embeds it); departments only group those paths for display.

interface DepartmentRule {
  id: string;
  name: string;
  color: string;
  icon: string;
  /** Category paths whose first segment (or whole path) is listed here belong to this department. */
  prefixes: string[];
}

const DEPARTMENTS: DepartmentRule[] = [
  { id: 'electronics', name: 'Electronics', color: '#2563eb', icon: 'phone', prefixes: ['electronics'] },
  { id: 'computers', name: 'Computers', color: '#7c3aed', icon: 'laptop', prefixes: ['computers'] },
  { id: 'appliances', name: 'Appliances', color: '#0891b2', icon: 'appliance', prefixes: ['appliances'] },
  { id: 'furniture', name: 'Furniture', color: '#b45309', icon: 'sofa', prefixes: ['furniture'] },
  {
    id: 'fashion',
    name: 'Fashion & Beauty',
    color: '#db2777',
    icon: 'shoe',
    prefixes: ['apparel', 'accessories', 'beauty'],
  },
  {
    id: 'auto-tools',
    name: 'Auto & DIY',
    color: '#475569',
    icon: 'wrench',
    prefixes: ['auto', 'construction', 'country_yard'],
  },
  { id: 'sports-kids', name: 'Sports & Kids', color: '#16a34a', icon: 'ball', prefixes: ['sport', 'kids'] },
  { id: 'gifts', name: 'Gifts & Home', color: '#e11d48', icon: 'gift', prefixes: ['gifts', 'kitchen'] },
];

/**
 * REES46 leaves category_code empty for 222 of the 534 products; only category_id is there. Where every
 * brand seen in a category_id makes the kind of product unmistakable, we name the category ourselves
 * (the brands that justify it are in the comment). Products of other empty categories are left out.
 */
const INFERRED_CATEGORIES: Record<string, string> = {
  '2053013553559896355': 'auto.tyres', // triangle, yokohama, sailun, cordiant, viatti: tyre makers
  '2053013553526341921': 'auto.wheels', // skad, kipardo, trebl: wheel rim makers
  '2053013553853497655': 'beauty.fragrance', // creed, dior, montale, lanvin: perfume houses
  '2103807459595387724': 'beauty.skincare', // shiseido
  '2053013561218695907': 'electronics.video.console', // sony, microsoft, sega: game consoles
  '2053013558031024687': 'kitchen.tableware', // luminarc: glass tableware
  '2053013557225718275': 'construction.plumbing.sink', // gran-stone: stone kitchen sinks
  '2053013552662315243': 'computers.components.memory', // transcend, samsung, 5-28 USD: memory cards
  '2053013559935238815': 'country_yard.lawn_mower', // viking (STIHL group), bosch: lawn mowers
};

/** Readable nouns for category leaves whose last segment does not read well on its own. */
const LEAF_NAMES: Record<string, string> = {
  'electronics.smartphone': 'Smartphone',
  'electronics.clocks': 'Watch',
  'electronics.video.tv': 'TV',
  'electronics.video.console': 'Game console',
  'electronics.audio.headphone': 'Headphones',
  'electronics.audio.subwoofer': 'Subwoofer',
  'electronics.camera.video': 'Action camera',
  'computers.notebook': 'Laptop',
  'computers.desktop': 'Desktop PC',
  'computers.components.videocards': 'Graphics card',
  'computers.components.memory': 'Memory card',
  'computers.peripherals.monitor': 'Monitor',
  'appliances.kitchen.refrigerators': 'Refrigerator',
  'appliances.kitchen.washer': 'Washing machine',
  'appliances.environment.vacuum': 'Vacuum cleaner',
  'appliances.kitchen.meat_grinder': 'Meat grinder',
  'appliances.kitchen.coffee_machine': 'Coffee machine',
  'appliances.personal.hair_cutter': 'Hair clipper',
  'apparel.shoes.keds': 'Sneakers',
  'apparel.shoes': 'Shoes',
  'apparel.shoes.slipons': 'Slip-ons',
  'apparel.sock': 'Socks',
  'accessories.bag': 'Bag',
  'furniture.kitchen.table': 'Kitchen table',
  'furniture.living_room.chair': 'Armchair',
  'furniture.living_room.cabinet': 'Cabinet',
  'furniture.bathroom.toilet': 'Toilet',
  'construction.tools.pump': 'Water pump',
  'construction.tools.welding': 'Welding machine',
  'construction.plumbing.sink': 'Kitchen sink',
  'auto.accessories.player': 'Car stereo',
  'auto.accessories.videoregister': 'Dash cam',
  'auto.accessories.alarm': 'Car alarm',
  'auto.accessories.compressor': 'Tyre compressor',
  'auto.tyres': 'Tyre',
  'auto.wheels': 'Wheel rim',
  'beauty.fragrance': 'Eau de parfum',
  'beauty.skincare': 'Skincare',
  'kitchen.tableware': 'Glass tableware',
  'country_yard.lawn_mower': 'Lawn mower',
  'kids.toys': 'Toy',
  'kids.skates': 'Roller skates',
  'sport.trainer': 'Exercise bike',
};

/** Icons for the placeholder images; the department's icon is the fallback. */
const LEAF_ICONS: Record<string, string> = {
  'electronics.clocks': 'watch',
  'electronics.video.tv': 'tv',
  'electronics.video.console': 'gamepad',
  'electronics.audio.headphone': 'headphones',
  'electronics.audio.subwoofer': 'speaker',
  'electronics.camera.video': 'camera',
  'electronics.tablet': 'tablet',
  'computers.desktop': 'desktop',
  'computers.peripherals.monitor': 'desktop',
  'computers.components.videocards': 'chip',
  'computers.components.memory': 'chip',
  'auto.tyres': 'wheel',
  'auto.wheels': 'wheel',
  'beauty.fragrance': 'bottle',
  'beauty.skincare': 'bottle',
  'accessories.bag': 'bag',
  'kitchen.tableware': 'cup',
};

/** Online Retail has no categories: a product's subcategory is the first rule whose word is in its name. */
const GIFT_RULES: [category: string, name: string, icon: string, words: string[]][] = [
  [
    'gifts.christmas',
    'Christmas',
    'star',
    ['CHRISTMAS', 'XMAS', 'ADVENT', 'BAUBLE', 'SNOWFLAKE', 'REINDEER', 'SANTA', 'NATIVITY'],
  ],
  [
    'gifts.lights',
    'Candles & lights',
    'candle',
    ['T-LIGHT', 'LANTERN', 'CANDLE', 'LIGHT', 'LIGHTS', 'MATCHES', 'LAMP'],
  ],
  [
    'gifts.stationery',
    'Cards, wrap & stationery',
    'pencil',
    [
      'CARD',
      'CARDS',
      'WRAP',
      'TAPE',
      'STICKER',
      'NOTEBOOK',
      'PEN',
      'PENCIL',
      'PENCILS',
      'RIBBON',
      'RIBBONS',
      'TISSUE',
      'TISSUES',
      'PAPER',
      'ENVELOPE',
      'MARKER',
      'CHALK',
      'ERASER',
      'STATIONERY',
    ],
  ],
  [
    'gifts.bags',
    'Bags & accessories',
    'bag',
    ['BAG', 'BAGS', 'PURSE', 'UMBRELLA', 'WARMER', 'BACKPACK', 'NECKLACE', 'BRACELET', 'EARRINGS', 'HAIR'],
  ],
  [
    'gifts.kitchen',
    'Kitchen & dining',
    'cup',
    [
      'MUG',
      'CUP',
      'CUPS',
      'TEA',
      'TEACUP',
      'PLATE',
      'PLATES',
      'BOWL',
      'JAR',
      'JARS',
      'CAKE',
      'BAKING',
      'CUTLERY',
      'SPOON',
      'TEASPOONS',
      'LUNCH',
      'SNACK',
      'EGG',
      'BREAKFAST',
      'JAM',
      'RECIPE',
      'NAPKINS',
      'TRAY',
      'DINER',
      'DINNER',
      'TOWEL',
      'TOWELS',
      'APRON',
      'OVEN',
      'CASES',
      'CHOCOLATE',
      'COFFEE',
      'MILK',
      'KITCHEN',
      'GLASS',
    ],
  ],
  [
    'gifts.toys',
    'Toys & games',
    'ball',
    [
      'DOLL',
      'GAME',
      'JIGSAW',
      'BLOCKS',
      'BLOCK',
      'PLAYHOUSE',
      'TOY',
      'KIT',
      'BALLOON',
      'BALLOONS',
      'CRAYONS',
      'DRAWING',
      'PAINT',
      'SKIPPING',
      'GLOBE',
      'PUZZLE',
      'SPACEBOY',
      'FELTCRAFT',
      'MAGIC',
      'DOMINOES',
    ],
  ],
  ['gifts.decor', 'Home decor', 'home', []],
];

// ---------------------------------------------------------------------------------------------------

function titleCase(s: string): string {
  return s
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/(^|[\s/(-])([a-z])/g, (_m, pre: string, ch: string) => pre + ch.toUpperCase())
    .replace(/\b(Of|And|In|With|The|For|A|On)\b/g, (w, _g, offset: number) =>
      offset === 0 ? w : w.toLowerCase(),
    );
}

/** samsung → Samsung, lg → LG, oral-b → Oral-B, hotpoint-ariston → Hotpoint-Ariston. */
export function brandDisplayName(brand: string): string {
  if (brand.length <= 3) return brand.toUpperCase();
  return brand
    .split('-')
    .map((p) => (p.length === 1 ? p.toUpperCase() : p.charAt(0).toUpperCase() + p.slice(1)))
    .join('-');
}

function leafName(category: string): string {
  const known = LEAF_NAMES[category];
  if (known) return known;
  const leaf = category.split('.').at(-1) ?? category;
  const words = leaf.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function departmentOf(category: string): DepartmentRule {
  const top = category.split('.')[0] ?? '';
  const dep = DEPARTMENTS.find((d) => d.prefixes.includes(top));
  if (!dep) throw new Error(`no department for category ${category}`);
  return dep;
}

/** FNV-1a: a stable small hash, so image shades vary per product but never between runs. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const FILLER = new Set(['set', 'of', 'pack', 'the', 'and', 'with', 'in', 'a', 'box']);

function initials(text: string): string {
  const words = text.split(/[\s-]+/).filter((w) => /^[A-Za-z]/.test(w) && !FILLER.has(w.toLowerCase()));
  return ((words[0]?.[0] ?? '') + (words[1]?.[0] ?? words[0]?.[1] ?? '')).toUpperCase();
}

function imageFor(id: string, category: string, label: string): ImageSpec {
  const dep = departmentOf(category);
  const gift = GIFT_RULES.find(([c]) => c === category);
  return {
    color: dep.color,
    // A lightness step 0..4 keeps a grid of one category from looking like one stamped tile.
    shade: hash(id) % 5,
    icon: LEAF_ICONS[category] ?? gift?.[2] ?? dep.icon,
    initials: initials(label),
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

// ---------------------------------------------------------------------------------------------------

interface Draft {
  id: string;
  category: string;
  brand: string | null;
  price: number;
  source: Product['source'];
  /** Source events for this product (REES46) or units sold (Online Retail): the shop's own popularity. */
  popularity: number;
  purchases: number;
  label: string;
}

function fromRees46(text: string): Draft[] {
  const events = parseCsv(text);
  const byId = new Map<string, Draft & { categoryId: string; code: string }>();
  for (const e of events) {
    const id = e['product_id'] ?? '';
    let d = byId.get(id);
    if (!d) {
      const code = e['category_code'] ?? '';
      d = {
        id,
        categoryId: e['category_id'] ?? '',
        code,
        category: code,
        brand: e['brand'] ? e['brand'] : null,
        price: Number(e['price']),
        source: 'rees46',
        popularity: 0,
        purchases: 0,
        label: '',
      };
      byId.set(id, d);
    }
    d.popularity += 1;
    if (e['event_type'] === 'purchase') d.purchases += 1;
  }
  const kept: Draft[] = [];
  for (const d of byId.values()) {
    const category = d.code || INFERRED_CATEGORIES[d.categoryId];
    if (!category || !(d.price > 0)) continue;
    kept.push({ ...d, category });
  }
  return kept;
}

function fromOnlineRetail(text: string): Draft[] {
  const lines = parseCsv(text);
  const byCode = new Map<string, { name: string; prices: Map<number, number>; units: number }>();
  for (const l of lines) {
    const code = l['StockCode'] ?? '';
    // Real products have numeric stock codes (with an optional colour letter); POST, D (discount) etc. are not.
    if (!/^\d{5}[A-Z]*$/.test(code)) continue;
    const cancelled = (l['InvoiceNo'] ?? '').startsWith('C');
    const name = (l['Description'] ?? '').trim();
    const price = Number(l['UnitPrice']);
    let d = byCode.get(code);
    if (!d) {
      d = { name: '', prices: new Map(), units: 0 };
      byCode.set(code, d);
    }
    if (!d.name && name) d.name = name; // first non-empty description wins
    if (price > 0) d.prices.set(price, (d.prices.get(price) ?? 0) + 1);
    if (!cancelled) d.units += Math.max(0, Number(l['Quantity']) || 0);
  }
  const out: Draft[] = [];
  for (const [code, d] of byCode) {
    if (!d.name || d.prices.size === 0) continue;
    // The price charged most often; ties go to the lower price (the list price, not a bulk surcharge).
    const [gbp] = [...d.prices].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]!;
    const words = d.name.toUpperCase().split(/[\s,.]+/);
    const rule = GIFT_RULES.find(([, , , ws]) => ws.length === 0 || ws.some((w) => words.includes(w)))!;
    out.push({
      id: `or-${code}`,
      category: rule[0],
      brand: null,
      price: round2(gbp * GBP_TO_USD),
      source: 'online-retail',
      popularity: d.units,
      purchases: d.units,
      label: titleCase(d.name),
    });
  }
  return out;
}

/** REES46 names: "<Brand> <leaf noun>", plus a model code from the product id where that is not unique. */
function nameRees46(drafts: Draft[]): void {
  const noun = (d: Draft) =>
    leafName(d.category).replace(/(^|\s)([a-z])/g, (_m, s: string, c: string) => s + c.toUpperCase());
  const base = (d: Draft) => (d.brand ? `${brandDisplayName(d.brand)} ` : '') + noun(d);
  const count = new Map<string, number>();
  for (const d of drafts) count.set(base(d), (count.get(base(d)) ?? 0) + 1);
  for (const d of drafts) {
    const b = base(d);
    const letter = (d.brand ?? leafName(d.category)).charAt(0).toUpperCase();
    d.label = (count.get(b) ?? 0) > 1 ? `${b} ${letter}${d.id.slice(-4)}` : b;
  }
  // Two products can still share the last four digits: then the whole id disambiguates.
  const seen = new Map<string, Draft[]>();
  for (const d of drafts) seen.set(d.label, [...(seen.get(d.label) ?? []), d]);
  for (const [, group] of seen)
    if (group.length > 1) for (const d of group) d.label = `${d.label.replace(/ \S+$/, '')} #${d.id}`;
}

/** Badges come from the data: bought in the REES46 log, or among the top sellers / most viewed. */
function badgesFor(d: Draft, topViewed: Set<string>, topSold: Set<string>): string[] {
  const badges: string[] = [];
  if (topSold.has(d.id) || (d.source === 'rees46' && d.purchases > 0)) badges.push('Bestseller');
  if (d.source === 'rees46' && topViewed.has(d.id)) badges.push('Popular');
  return badges;
}

/**
 * Popularity as a percentile within its own source (0..100), because REES46 counts events in a short
 * log and Online Retail counts units sold: raw, the gift shop would fill every mixed list.
 */
function percentiles(drafts: Draft[]): [string, number][] {
  const values = drafts.map((d) => d.popularity).sort((a, b) => a - b);
  const below = (v: number) => {
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((values[mid] ?? 0) < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return drafts.map((d) => [d.id, Math.round((100 * below(d.popularity)) / Math.max(1, drafts.length - 1))]);
}

function topIds(drafts: Draft[], fraction: number): Set<string> {
  const sorted = [...drafts].sort((a, b) => b.popularity - a.popularity || a.id.localeCompare(b.id));
  return new Set(sorted.slice(0, Math.ceil(drafts.length * fraction)).map((d) => d.id));
}

export function deriveCatalog(rees46Csv: string, onlineRetailCsv: string): Catalog {
  const rees = fromRees46(rees46Csv);
  nameRees46(rees);
  const retail = fromOnlineRetail(onlineRetailCsv);
  const topViewed = topIds(rees, 0.05);
  const topSold = topIds(retail, 0.08);

  const percentile = new Map([...percentiles(rees), ...percentiles(retail)]);
  const products: Product[] = [...rees, ...retail].map((d) => ({
    id: d.id,
    name: d.label,
    category: d.category,
    brand: d.brand,
    price: d.price,
    source: d.source,
    popularity: percentile.get(d.id) ?? 0,
    badges: badgesFor(d, topViewed, topSold),
    image: imageFor(d.id, d.category, d.brand ? brandDisplayName(d.brand) : d.label),
  }));

  const departments: Department[] = DEPARTMENTS.map((rule) => {
    const cats = [
      ...new Set(products.filter((p) => departmentOf(p.category) === rule).map((p) => p.category)),
    ];
    return {
      id: rule.id,
      name: rule.name,
      color: rule.color,
      icon: rule.icon,
      categories: cats
        .map((id) => ({
          id,
          name: GIFT_RULES.find(([c]) => c === id)?.[1] ?? pluralise(leafName(id)),
          count: products.filter((p) => p.category === id).length,
        }))
        .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)),
    };
  }).filter((d) => d.categories.length > 0);

  return {
    name: 'Hearth Market demo catalogue',
    currency: 'USD',
    sources: ['rees46-sample/2019-Oct-sample.csv', 'online-retail-sample/OnlineRetail.csv'],
    departments,
    products,
  };
}

function pluralise(noun: string): string {
  if (/(s|Headphones|Socks|Sneakers|Slip-ons|Skincare|TV|tableware|parfum)$/i.test(noun)) {
    return noun === 'TV' ? 'TVs' : noun;
  }
  if (/[^aeiou]y$/.test(noun)) return noun.slice(0, -1) + 'ies';
  if (/(ch|sh|x)$/.test(noun)) return noun + 'es';
  return noun + 's';
}

/** One product per line: small, diffable, and still valid JSON. */
export function formatCatalog(catalog: Catalog): string {
  const lines = catalog.products.map((p) => `    ${JSON.stringify(p)}`);
  const { products: _omit, ...head } = catalog;
  const headJson = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  return `${headJson},\n  "products": [\n${lines.join(',\n')}\n  ]\n}\n`;
}

function main(): void {
  const args = process.argv.slice(2);
  const arg = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const dataDir = arg('--data') ?? join(here, '..', '..', '..', 'shared', 'data');
  const out = arg('--out') ?? join(here, '..', 'catalog', 'catalog.json');
  const catalog = deriveCatalog(
    readFileSync(join(dataDir, 'rees46-sample', '2019-Oct-sample.csv'), 'utf8'),
    readFileSync(join(dataDir, 'online-retail-sample', 'OnlineRetail.csv'), 'latin1'),
  );
  writeFileSync(out, formatCatalog(catalog));
  const bySource = (s: string) => catalog.products.filter((p) => p.source === s).length;
  console.log(
    `wrote ${out}: ${catalog.products.length} products (rees46 ${bySource('rees46')}, ` +
      `online-retail ${bySource('online-retail')}), ${catalog.departments.length} departments`,
  );
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) main();
