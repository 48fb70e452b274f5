import { useState } from 'react';
import { Button, Group } from '@mantine/core';

/** Cursors is the cursor paging of one list: the cursors of the pages seen so far. */
export interface Cursors {
  /** cursor is the current page's cursor (undefined on the first page). */
  cursor: string | undefined;
  /** page is the current page's index, 0 for the first. */
  page: number;
  /** reset goes back to the first page, as when the filters change. */
  reset: () => void;
  back: () => void;
  forward: (next: string) => void;
}

/** useCursors keeps the cursors of the pages of a list the API pages with nextCursor. */
export function useCursors(): Cursors {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const page = cursors.length - 1;
  return {
    cursor: cursors[page],
    page,
    reset: () => setCursors([undefined]),
    back: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
    forward: (next) => setCursors((c) => [...c, next]),
  };
}

/**
 * CursorPager is the pair of buttons under a paged list, shown only when
 * there is another page; labels name the directions ("Newer", "Older").
 */
export function CursorPager({ pages, next, labels = ['Newer', 'Older'] }: { pages: Cursors; next?: string; labels?: [string, string] }) {
  if (pages.page === 0 && !next) return null;
  return (
    <Group justify="flex-end" mt="xs">
      <Button variant="default" disabled={pages.page === 0} onClick={pages.back}>
        {labels[0]}
      </Button>
      <Button variant="default" disabled={!next} onClick={() => next && pages.forward(next)}>
        {labels[1]}
      </Button>
    </Group>
  );
}
