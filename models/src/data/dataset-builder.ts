import type { Action, Dataset, ItemAttributes, UserSequence } from '../types';
import { NUM_PRICE_BUCKETS, priceBucket } from './price-bucket';

/** Raw item attributes as a source names them; absent or empty means unknown. */
export interface RawAttributes {
  category?: string | undefined;
  brand?: string | undefined;
  price?: number | undefined;
}

interface PendingEvent {
  item: number;
  action: Action;
  time: number | undefined;
}

/** Maps source strings to dense indices from `first` up, in order of first appearance. */
class Vocabulary {
  readonly index = new Map<string, number>();
  readonly names: string[];
  constructor(first: number) {
    this.names = first === 1 ? [''] : [];
  }
  get(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.index.set(name, i);
      this.names.push(name);
    }
    return i;
  }
}

/**
 * Turns a stream of well-formed events into a Dataset, the one way every parser shares:
 * - items get dense indices 1..numItems in order of first appearance in the file (0 = padding);
 *   Beauty's ids 1..12101 appear in order, so there index = source id;
 * - users keep the order of their first appearance; each user's events are sorted by time with a
 *   stable sort, so events with equal times (or no times, as in Beauty) keep their file order;
 * - an item's attributes are those of the last event in the file that names them (a price can change);
 *   categories and brands are indexed from 1 in item order, 0 = unknown.
 */
export class DatasetBuilder {
  private readonly items = new Vocabulary(1);
  private readonly categories = new Vocabulary(1);
  private readonly brands = new Vocabulary(1);
  private readonly users = new Map<string, PendingEvent[]>();
  private readonly raw: RawAttributes[] = [{}];
  private hasAttributes = false;
  private hasPrices = false;

  constructor(private readonly name: string) {}

  add(user: string, item: string, action: Action, time?: number, attributes?: RawAttributes): void {
    const index = this.items.get(item);
    if (index === this.raw.length) this.raw.push({});
    if (attributes) this.mergeAttributes(index, attributes);
    let events = this.users.get(user);
    if (!events) {
      events = [];
      this.users.set(user, events);
    }
    events.push({ item: index, action, time });
  }

  private mergeAttributes(index: number, attributes: RawAttributes): void {
    const slot = this.raw[index]!;
    if (attributes.category) {
      slot.category = attributes.category;
      this.hasAttributes = true;
    }
    if (attributes.brand) {
      slot.brand = attributes.brand;
      this.hasAttributes = true;
    }
    if (attributes.price !== undefined && priceBucket(attributes.price) > 0) {
      slot.price = attributes.price;
      this.hasAttributes = true;
      this.hasPrices = true;
    }
  }

  build(): Dataset {
    const users: UserSequence[] = [];
    for (const [user, pending] of this.users) {
      // Array.prototype.sort is stable (ES2019): equal times keep file order.
      if (pending.some((e) => e.time !== undefined))
        pending.sort((a, b) => (a.time ?? Number.NEGATIVE_INFINITY) - (b.time ?? Number.NEGATIVE_INFINITY));
      users.push({
        user,
        events: pending.map((e) =>
          e.time === undefined
            ? { item: e.item, action: e.action }
            : { item: e.item, action: e.action, time: e.time },
        ),
      });
    }
    const dataset: Dataset = {
      name: this.name,
      numItems: this.items.names.length - 1,
      itemIds: this.items.names,
      users,
      numCategories: 1,
      numBrands: 1,
      numPriceBuckets: 1,
    };
    if (!this.hasAttributes) return dataset;
    const attributes: ItemAttributes[] = this.raw.map((a) => ({
      category: a.category ? this.categories.get(a.category) : 0,
      brand: a.brand ? this.brands.get(a.brand) : 0,
      priceBucket: priceBucket(a.price),
    }));
    dataset.attributes = attributes;
    dataset.numCategories = this.categories.names.length;
    dataset.numBrands = this.brands.names.length;
    dataset.numPriceBuckets = this.hasPrices ? NUM_PRICE_BUCKETS : 1;
    dataset.categoryNames = this.categories.names;
    dataset.brandNames = this.brands.names;
    return dataset;
  }
}
