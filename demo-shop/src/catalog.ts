// The catalogue as the storefront sees it: lookups, the shop's own order, and search.
import catalogJson from '../catalog/catalog.json';
import type { Catalog, Category, Department, Product } from './catalog-types';

// The JSON's inferred literal type is wider than Catalog (strings for unions), hence the cast.
export const catalog = catalogJson as unknown as Catalog;

const byId = new Map(catalog.products.map((p) => [p.id, p]));
const departmentOfCategory = new Map<string, Department>();
const categoryById = new Map<string, Category>();
for (const d of catalog.departments)
  for (const c of d.categories) {
    departmentOfCategory.set(c.id, d);
    categoryById.set(c.id, c);
  }

export function product(id: string): Product | undefined {
  return byId.get(id);
}

export function department(id: string): Department | undefined {
  return catalog.departments.find((d) => d.id === id);
}

export function departmentOf(p: Product): Department | undefined {
  return departmentOfCategory.get(p.category);
}

export function category(id: string): Category | undefined {
  return categoryById.get(id);
}

/** The shop's own order (what it would show without Hearth): most popular first, then by name. */
export function shopOrder(products: Product[]): Product[] {
  return [...products].sort((a, b) => b.popularity - a.popularity || a.name.localeCompare(b.name));
}

export function inDepartment(d: Department): Product[] {
  const ids = new Set(d.categories.map((c) => c.id));
  return shopOrder(catalog.products.filter((p) => ids.has(p.category)));
}

export function inCategory(categoryId: string): Product[] {
  return shopOrder(catalog.products.filter((p) => p.category === categoryId));
}

export function brandName(brand: string | null): string {
  if (!brand) return '';
  if (brand.length <= 3) return brand.toUpperCase();
  return brand
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('-');
}

/**
 * Every query word must match the name, brand, category or department: as a prefix of a word, or inside a
 * word when it has 3+ letters ("phone" finds smartphones); a plural "s" is ignored ("mugs" finds mugs).
 */
export function search(query: string): Product[] {
  const words = query
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .map((w) => (w.length > 3 && w.endsWith('s') ? w.slice(0, -1) : w));
  if (words.length === 0) return [];
  const hits = catalog.products.filter((p) => {
    const d = departmentOf(p);
    const hay = `${p.name} ${p.brand ?? ''} ${category(p.category)?.name ?? ''} ${d?.name ?? ''}`
      .toLowerCase()
      .split(/[^a-z0-9]+/);
    return words.every((w) => hay.some((h) => (w.length >= 3 ? h.includes(w) : h.startsWith(w))));
  });
  return shopOrder(hits);
}

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

export function price(amount: number): string {
  return money.format(amount);
}
