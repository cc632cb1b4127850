// @hearth/demo-shop for Node code (pretraining, end-to-end tests): the catalogue and where it lives.
// The storefront itself is the Vite app of index.html and src/main.ts.
export type { Catalog, Category, Department, ImageSpec, Product } from './catalog-types';

/** Absolute path of the derived catalogue (demo-shop/catalog/catalog.json). */
export const catalogPath = new URL('../catalog/catalog.json', import.meta.url).pathname;

/** Absolute path of the shop's Vite root, for build() / preview() / createServer(). */
export const shopRoot = new URL('..', import.meta.url).pathname;
