// The maths of reordering the catalogue by drag and drop: which write a
// drop asks for, and the catalogue as it will be once that write is done
// (shown at once, then replaced by the server's answer).
//
// Draggables and drop targets are named by string keys: `col:<id>` a
// collection, `item:<collectionId>:<itemId>` an item in a collection (an
// item may be in several), `zone:<collectionId>` a collection's list, to
// drop an item at its end (an empty collection has no items to drop on).

export type OrderedCollection = { id: string; items: { id: string }[] };

export const collectionKey = (id: string) => `col:${id}`;
export const itemKey = (collectionId: string, itemId: string) => `item:${collectionId}:${itemId}`;
export const zoneKey = (collectionId: string) => `zone:${collectionId}`;

export type Key = { kind: 'col' | 'zone'; collectionId: string } | { kind: 'item'; collectionId: string; itemId: string };

/** parseKey reads a key back; undefined for anything else. */
export function parseKey(key: string): Key | undefined {
  const [kind, collectionId, ...rest] = key.split(':');
  if (!collectionId) return undefined;
  if ((kind === 'col' || kind === 'zone') && rest.length === 0) return { kind, collectionId };
  if (kind === 'item' && rest.length > 0) return { kind, collectionId, itemId: rest.join(':') };
  return undefined;
}

/** Drop is the write a drop asks for: a collection to a new position, or an item to a position in its own or another collection. */
export type Drop =
  | { kind: 'collection'; collectionId: string; position: number }
  | { kind: 'item'; itemId: string; from: string; to: string; position: number }
  | { kind: 'refused'; reason: string };

/**
 * planDrop returns what dropping the dragged key on the target key means,
 * or null when nothing changes. The position is the index the dragged
 * thing will have once moved, as the API counts it (in the list without
 * it when it stays in its collection).
 */
export function planDrop(cols: OrderedCollection[], active: string, over: string | null | undefined): Drop | null {
  const a = parseKey(active);
  const o = over ? parseKey(over) : undefined;
  if (!a || !o || active === over) return null;
  const colIndex = (id: string) => cols.findIndex((c) => c.id === id);
  if (a.kind === 'col') {
    const from = colIndex(a.collectionId);
    const to = colIndex(o.collectionId);
    if (from < 0 || to < 0 || from === to) return null;
    return { kind: 'collection', collectionId: a.collectionId, position: to };
  }
  if (a.kind !== 'item') return null;
  const src = cols[colIndex(a.collectionId)];
  const dst = cols[colIndex(o.collectionId)];
  if (!src || !dst) return null;
  const from = src.items.findIndex((i) => i.id === a.itemId);
  if (from < 0) return null;
  if (src.id === dst.id) {
    if (o.kind !== 'item') return null;
    const to = src.items.findIndex((i) => i.id === o.itemId);
    if (to < 0 || to === from) return null;
    return { kind: 'item', itemId: a.itemId, from: src.id, to: src.id, position: to };
  }
  if (dst.items.some((i) => i.id === a.itemId)) return { kind: 'refused', reason: 'the collection holds it already' };
  const at = o.kind === 'item' ? dst.items.findIndex((i) => i.id === o.itemId) : -1;
  return { kind: 'item', itemId: a.itemId, from: src.id, to: dst.id, position: at < 0 ? dst.items.length : at };
}

/** applyDrop returns the catalogue as it is once the drop's write is done (new arrays; the input is left alone). */
export function applyDrop<C extends OrderedCollection>(cols: C[], drop: Drop): C[] {
  if (drop.kind === 'refused') return cols;
  if (drop.kind === 'collection') {
    const from = cols.findIndex((c) => c.id === drop.collectionId);
    if (from < 0) return cols;
    return moveTo(cols, from, drop.position);
  }
  const src = cols.find((c) => c.id === drop.from);
  const item = src?.items.find((i) => i.id === drop.itemId);
  if (!src || !item) return cols;
  return cols.map((c) => {
    if (c.id === drop.from && c.id === drop.to) return { ...c, items: moveTo(c.items, c.items.indexOf(item), drop.position) };
    if (c.id === drop.from) return { ...c, items: c.items.filter((i) => i !== item) };
    if (c.id === drop.to) return { ...c, items: [...c.items.slice(0, drop.position), item, ...c.items.slice(drop.position)] };
    return c;
  });
}

/** moveTo returns list with the element at from moved to index to. */
export function moveTo<T>(list: T[], from: number, to: number): T[] {
  const out = list.slice();
  const [x] = out.splice(from, 1);
  out.splice(Math.max(0, Math.min(to, out.length)), 0, x);
  return out;
}
