import { PRODUCT_SORTS } from '@shop/platform/api-contract';
export const CURRENCY = 'USD';

export interface Product {
  id: number;
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  currency: typeof CURRENCY;
  /** Units available to reserve. Reserved units have already left this count. */
  stock: number;
  createdAt: string;
  updatedAt: string;
}

/** The catalog fields an admin edits with PUT; stock moves only through the stock endpoint and reservations. */
export interface ProductDetails {
  sku: string;
  name: string;
  description: string;
  priceCents: number;
}

export interface NewProduct extends ProductDetails {
  stock: number;
}

export { PRODUCT_SORTS };
export type ProductSort = (typeof PRODUCT_SORTS)[number];

export interface ProductQuery {
  page: number;
  limit: number;
  q?: string | undefined;
  sort?: ProductSort | undefined;
}

export type StockChange = { delta: number } | { stock: number };

/** What q is matched against: case-insensitive beyond ASCII (SQLite's LIKE/lower() fold ASCII only). */
export function searchTextOf(product: { name: string; description: string }): string {
  return `${product.name}\n${product.description}`.toLocaleLowerCase('en-US');
}

export function normaliseSearch(q: string): string {
  return q.toLocaleLowerCase('en-US');
}
