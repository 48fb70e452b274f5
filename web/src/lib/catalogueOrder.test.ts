import { describe, expect, it } from 'vitest';
import { applyDrop, collectionKey, itemKey, moveTo, parseKey, planDrop, zoneKey, type OrderedCollection } from './catalogueOrder';

const cat = (): OrderedCollection[] => [
  { id: 'a', items: [{ id: 'x' }, { id: 'y' }, { id: 'z' }] },
  { id: 'b', items: [{ id: 'y' }, { id: 'w' }] },
  { id: 'c', items: [] },
];
const ids = (cols: OrderedCollection[]) => cols.map((c) => `${c.id}=${c.items.map((i) => i.id).join('')}`).join(' ');

describe('parseKey', () => {
  it('reads the keys it makes, and nothing else', () => {
    expect(parseKey(collectionKey('col_1'))).toEqual({ kind: 'col', collectionId: 'col_1' });
    expect(parseKey(zoneKey('col_1'))).toEqual({ kind: 'zone', collectionId: 'col_1' });
    expect(parseKey(itemKey('col_1', 'c.py-3'))).toEqual({ kind: 'item', collectionId: 'col_1', itemId: 'c.py-3' });
    expect(parseKey('item:col_1')).toBeUndefined();
    expect(parseKey('col:')).toBeUndefined();
    expect(parseKey('other:1')).toBeUndefined();
  });
});

describe('planDrop and applyDrop', () => {
  const cases: [string, string, string | null, ReturnType<typeof planDrop>, string][] = [
    ['down within a collection', itemKey('a', 'x'), itemKey('a', 'z'), { kind: 'item', itemId: 'x', from: 'a', to: 'a', position: 2 }, 'a=yzx b=yw c='],
    ['up within a collection', itemKey('a', 'z'), itemKey('a', 'x'), { kind: 'item', itemId: 'z', from: 'a', to: 'a', position: 0 }, 'a=zxy b=yw c='],
    ['onto itself', itemKey('a', 'y'), itemKey('a', 'y'), null, 'a=xyz b=yw c='],
    ['nowhere', itemKey('a', 'y'), null, null, 'a=xyz b=yw c='],
    ['onto its own list', itemKey('a', 'y'), zoneKey('a'), null, 'a=xyz b=yw c='],
    ['before an item of another collection', itemKey('a', 'z'), itemKey('b', 'w'), { kind: 'item', itemId: 'z', from: 'a', to: 'b', position: 1 }, 'a=xy b=yzw c='],
    ['into an empty collection', itemKey('a', 'x'), zoneKey('c'), { kind: 'item', itemId: 'x', from: 'a', to: 'c', position: 0 }, 'a=yz b=yw c=x'],
    ['to the end of another list', itemKey('a', 'x'), zoneKey('b'), { kind: 'item', itemId: 'x', from: 'a', to: 'b', position: 2 }, 'a=yz b=ywx c='],
    ['into a collection that has it', itemKey('a', 'y'), itemKey('b', 'w'), { kind: 'refused', reason: 'the collection holds it already' }, 'a=xyz b=yw c='],
    ['a collection down', collectionKey('a'), collectionKey('c'), { kind: 'collection', collectionId: 'a', position: 2 }, 'b=yw c= a=xyz'],
    ['a collection up', collectionKey('c'), collectionKey('a'), { kind: 'collection', collectionId: 'c', position: 0 }, 'c= a=xyz b=yw'],
    ['a collection onto an item of another', collectionKey('a'), itemKey('b', 'w'), { kind: 'collection', collectionId: 'a', position: 1 }, 'b=yw a=xyz c='],
    ['an unknown item', itemKey('a', 'q'), itemKey('a', 'x'), null, 'a=xyz b=yw c='],
  ];
  it.each(cases)('%s', (_name, active, over, want, after) => {
    const cols = cat();
    const drop = planDrop(cols, active, over);
    expect(drop).toEqual(want);
    expect(ids(drop ? applyDrop(cols, drop) : cols)).toBe(after);
    expect(ids(cols)).toBe('a=xyz b=yw c=');
  });
});

describe('moveTo', () => {
  it('moves within bounds and clamps past them', () => {
    expect(moveTo([1, 2, 3], 0, 2)).toEqual([2, 3, 1]);
    expect(moveTo([1, 2, 3], 2, 0)).toEqual([3, 1, 2]);
    expect(moveTo([1, 2, 3], 0, 9)).toEqual([2, 3, 1]);
  });
});
