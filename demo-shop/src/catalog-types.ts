// The shape of demo-shop/catalog/catalog.json, written by scripts/derive-catalog.ts.

/** How the storefront draws a product's placeholder picture (inline SVG, no network). */
export interface ImageSpec {
  /** The department colour. */
  color: string;
  /** 0..4: a lighter or darker variant of the colour, stable per product. */
  shade: number;
  /** An icon name from src/icons.ts. */
  icon: string;
  /** Two letters drawn over the icon (brand or product name). */
  initials: string;
}

export interface Product {
  /** REES46 product_id kept as is (so models trained on REES46 events map onto it), or "or-<StockCode>". */
  id: string;
  name: string;
  /** Category path: the REES46 category_code, or "gifts.<sub>" for Online Retail products. */
  category: string;
  /** Lower-case brand as in the source; null when the source has none. */
  brand: string | null;
  /** USD. */
  price: number;
  source: 'rees46' | 'online-retail';
  /**
   * 0..100: percentile within its source of REES46 events or Online Retail units sold. The shop's own
   * order sorts by it (percentiles, so neither source crowds out the other in a mixed list).
   */
  popularity: number;
  badges: string[];
  image: ImageSpec;
}

export interface Category {
  id: string;
  name: string;
  count: number;
}

export interface Department {
  id: string;
  name: string;
  color: string;
  icon: string;
  categories: Category[];
}

export interface Catalog {
  name: string;
  currency: 'USD';
  sources: string[];
  departments: Department[];
  products: Product[];
}
