import { useState, type ReactNode } from 'react';
import { ActionIcon, Badge, Button, Group, Menu, Paper, SegmentedControl, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import {
  closestCenter,
  DndContext,
  KeyboardSensor,
  PointerSensor,
  pointerWithin,
  useDroppable,
  useSensor,
  useSensors,
  type Announcements,
  type CollisionDetection,
  type DragEndEvent,
} from '@dnd-kit/core';
import { SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { data, type Schemas } from '../api/client';
import { useApi } from '../api/context';
import { keys } from '../api/queries';
import { applyDrop, collectionKey, itemKey, parseKey, planDrop, zoneKey, type Drop } from '../lib/catalogueOrder';
import { ProgramNav } from '../ui/ProgramNav';
import { Empty, ErrorState, fieldError, FormError, Loading } from '../ui/states';

type Collection = Schemas['CatalogCollection'];
type Item = Schemas['CountedCatalogItem'];

/**
 * Catalogue edits a program's collections: their items from the course
 * library, in order, with each item's counts. Collections and items are
 * reordered by dragging their handles (pointer, or Space and the arrow keys
 * on a focused handle) or by their move buttons; an item is moved or copied
 * to another collection from its menu, or dragged onto it.
 */
export default function Catalogue() {
  const { orgId = '', programId = '' } = useParams();
  const api = useApi();
  const qc = useQueryClient();
  const list = useQuery({
    queryKey: keys.collections(orgId, programId),
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/programs/{programId}/collections', { params: { path: { orgId, programId } } })),
  });
  const cols = list.data?.items ?? [];
  const [status, setStatus] = useState('');
  const drop = useCatalogueWrite(orgId, programId, (d: Exclude<Drop, { kind: 'refused' }>) =>
    d.kind === 'collection'
      ? data(api.PATCH('/v1/orgs/{orgId}/programs/{programId}/collections/{collectionId}', { params: { path: { orgId, programId, collectionId: d.collectionId } }, body: { position: d.position } }))
      : data(
          api.POST('/v1/orgs/{orgId}/programs/{programId}/collections/{collectionId}/items/{itemId}/move', {
            params: { path: { orgId, programId, collectionId: d.from, itemId: d.itemId } },
            body: d.from === d.to ? { position: d.position } : { collectionId: d.to, position: d.position },
          }),
        ),
  );
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 4 } }), useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }));
  const onDragEnd = ({ active, over }: DragEndEvent) => {
    const d = planDrop(cols, String(active.id), over ? String(over.id) : null);
    if (!d) return;
    const what = describeKey(cols, String(active.id));
    if (d.kind === 'refused') {
      setStatus(`${what} was not moved: ${d.reason}.`);
      return;
    }
    // Shown at once; the server's answer replaces it when the write settles.
    qc.setQueryData(keys.collections(orgId, programId), (old: typeof list.data) => old && { ...old, items: applyDrop(old.items, d) });
    drop.mutate(d, { onSuccess: () => setStatus(`${what} moved ${dropPlace(cols, d)}.`) });
  };
  return (
    <Stack>
      <ProgramNav orgId={orgId} programId={programId} screen="Catalogue" />
      {list.isPending && <Loading label="Loading the catalogue" />}
      {list.isError && <ErrorState error={list.error} retry={() => void list.refetch()} />}
      {list.data && cols.length === 0 && (
        <Empty title="No collections yet">
          <Text size="sm">Learners see the program’s courses in collections: create the first one below.</Text>
        </Empty>
      )}
      {drop.error && <FormError error={drop.error} fields={[]} />}
      <Text size="sm" role="status" aria-live="polite" data-testid="catalogue-status" className={status ? undefined : 'visually-hidden'}>
        {status}
      </Text>
      {cols.length > 0 && (
        <DndContext sensors={sensors} collisionDetection={collision} onDragEnd={onDragEnd} accessibility={{ announcements: announcements(cols), screenReaderInstructions }}>
          <SortableContext items={cols.map((c) => collectionKey(c.id))} strategy={verticalListSortingStrategy}>
            {cols.map((c, i) => (
              <CollectionCard key={c.id} orgId={orgId} programId={programId} c={c} index={i} cols={cols} />
            ))}
          </SortableContext>
        </DndContext>
      )}
      {list.data && <NewCollection orgId={orgId} programId={programId} />}
    </Stack>
  );
}

const screenReaderInstructions = {
  draggable:
    'To pick up a collection or a course, press Space or Enter. Use the arrow keys to move it; an item can be moved into another collection. Press Space or Enter to drop it there, or Escape to cancel. The move buttons do the same one step at a time.',
};

/** describeKey names a draggable for the announcements: "Python (in Foundations)", "the collection Foundations". */
function describeKey(cols: Collection[], key: string): string {
  const k = parseKey(key);
  const c = k && cols.find((x) => x.id === k.collectionId);
  if (!k || !c) return key;
  if (k.kind === 'item') return `${c.items.find((i) => i.id === k.itemId)?.name ?? k.itemId} (in ${c.name})`;
  return k.kind === 'col' ? `The collection ${c.name}` : `the end of ${c.name}`;
}

function dropPlace(cols: Collection[], d: Exclude<Drop, { kind: 'refused' }>): string {
  if (d.kind === 'collection') return `to position ${d.position + 1} of ${cols.length}`;
  const to = cols.find((c) => c.id === d.to);
  const n = (to?.items.length ?? 0) + (d.from === d.to ? 0 : 1);
  return `to position ${d.position + 1} of ${n} in ${to?.name ?? d.to}`;
}

function announcements(cols: Collection[]): Announcements {
  const place = (active: string, over?: string) => {
    const d = over ? planDrop(cols, active, over) : null;
    if (!d) return 'where it was';
    return d.kind === 'refused' ? `nowhere: ${d.reason}` : dropPlace(cols, d);
  };
  return {
    onDragStart: ({ active }) => `Picked up ${describeKey(cols, String(active.id))}.`,
    onDragOver: ({ active, over }) => `${describeKey(cols, String(active.id))} would go ${place(String(active.id), over ? String(over.id) : undefined)}.`,
    onDragEnd: ({ active, over }) => `${describeKey(cols, String(active.id))} dropped ${place(String(active.id), over ? String(over.id) : undefined)}.`,
    onDragCancel: ({ active }) => `Cancelled: ${describeKey(cols, String(active.id))} stays where it was.`,
  };
}

/**
 * collision finds what a dragged collection or item is over: only
 * collections for a collection; for an item, the item under the pointer,
 * else a collection's list under it (to drop at its end), else the nearest
 * item (the keyboard has no pointer).
 */
const collision: CollisionDetection = (args) => {
  const kind = parseKey(String(args.active.id))?.kind;
  const of = (k: string) => args.droppableContainers.filter((c) => parseKey(String(c.id))?.kind === k);
  if (kind === 'col') return closestCenter({ ...args, droppableContainers: of('col') });
  const hits = pointerWithin({ ...args, droppableContainers: [...of('item'), ...of('zone')] });
  const itemHits = hits.filter((h) => parseKey(String(h.id))?.kind === 'item');
  if (itemHits.length > 0) return itemHits;
  if (hits.length > 0) return hits;
  return closestCenter({ ...args, droppableContainers: of('item') });
};

function useCatalogueWrite<T>(orgId: string, programId: string, fn: (arg: T) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    // Every write may renumber others (or, on a 409, meet another admin's
    // write): reload the whole catalogue.
    onSettled: () => void qc.invalidateQueries({ queryKey: keys.collections(orgId, programId) }),
  });
}

function NewCollection({ orgId, programId }: { orgId: string; programId: string }) {
  const api = useApi();
  const [form, setForm] = useState({ name: '', description: '' });
  const create = useCatalogueWrite(orgId, programId, () =>
    data(api.POST('/v1/orgs/{orgId}/programs/{programId}/collections', { params: { path: { orgId, programId } }, body: { name: form.name, description: form.description } })),
  );
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="new-collection">
      <Title order={2} size="h3" id="new-collection" mb="xs">
        New collection
      </Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(undefined, { onSuccess: () => setForm({ name: '', description: '' }) });
        }}
      >
        <Stack maw={560}>
          <FormError error={create.error} fields={['name', 'description']} />
          <TextInput label="Collection name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} error={fieldError(create.error, 'name')} />
          <Textarea label="Description" value={form.description} onChange={(e) => setForm({ ...form, description: e.currentTarget.value })} error={fieldError(create.error, 'description')} />
          <Group>
            <Button type="submit" loading={create.isPending}>
              Create collection
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

/** DragHandle is the button a collection or an item is dragged by (or picked up with Space or Enter). */
function DragHandle({ label, handle }: { label: string; handle: ReturnType<typeof useSortable> }) {
  return (
    <ActionIcon
      variant="subtle"
      color="dark"
      ref={handle.setActivatorNodeRef}
      {...handle.attributes}
      {...handle.listeners}
      aria-label={label}
      style={{ cursor: handle.isDragging ? 'grabbing' : 'grab', touchAction: 'none' }}
      data-testid="drag-handle"
    >
      <span aria-hidden>⠿</span>
    </ActionIcon>
  );
}

const dragStyle = (h: ReturnType<typeof useSortable>) => ({
  transform: CSS.Translate.toString(h.transform),
  transition: h.transition,
  position: 'relative' as const,
  zIndex: h.isDragging ? 2 : undefined,
  opacity: h.isDragging ? 0.85 : undefined,
});

function CollectionCard({ orgId, programId, c, index, cols }: { orgId: string; programId: string; c: Collection; index: number; cols: Collection[] }) {
  const api = useApi();
  const path = { orgId, programId, collectionId: c.id };
  const count = cols.length;
  const [status, setStatus] = useState('');
  const sortable = useSortable({ id: collectionKey(c.id) });
  const zone = useDroppable({ id: zoneKey(c.id) });
  const moveCollection = useCatalogueWrite(orgId, programId, (position: number) =>
    data(api.PATCH('/v1/orgs/{orgId}/programs/{programId}/collections/{collectionId}', { params: { path }, body: { position } })),
  );
  const remove = useCatalogueWrite(orgId, programId, () => data(api.DELETE('/v1/orgs/{orgId}/programs/{programId}/collections/{collectionId}', { params: { path } })));
  const moveItem = useCatalogueWrite(orgId, programId, ({ itemId, position }: { itemId: string; position: number }) =>
    data(api.POST('/v1/orgs/{orgId}/programs/{programId}/collections/{collectionId}/items/{itemId}/move', { params: { path: { ...path, itemId } }, body: { position } })),
  );
  const place = useCatalogueWrite(orgId, programId, ({ itemId, to, copy }: { itemId: string; to: string; copy: boolean }) =>
    data(
      api.POST(copy ? '/v1/orgs/{orgId}/programs/{programId}/collections/{collectionId}/items/{itemId}/copy' : '/v1/orgs/{orgId}/programs/{programId}/collections/{collectionId}/items/{itemId}/move', {
        params: { path: { ...path, itemId } },
        body: { collectionId: to },
      }),
    ),
  );
  const removeItem = useCatalogueWrite(orgId, programId, (itemId: string) =>
    data(api.DELETE('/v1/orgs/{orgId}/programs/{programId}/collections/{collectionId}/items/{itemId}', { params: { path: { ...path, itemId } } })),
  );
  const [adding, setAdding] = useState(false);
  const headingId = `col-${c.id}`;
  const failed = moveCollection.error ?? remove.error ?? moveItem.error ?? removeItem.error ?? place.error;
  const move = (item: Item, to: number) =>
    moveItem.mutate({ itemId: item.id, position: to }, { onSuccess: () => setStatus(`${item.name} moved to position ${to + 1} of ${c.items.length}.`) });
  const others = cols.filter((x) => x.id !== c.id);
  const placeItem = (item: Item, to: Collection, copy: boolean) =>
    place.mutate({ itemId: item.id, to: to.id, copy }, { onSuccess: () => setStatus(`${item.name} ${copy ? 'copied' : 'moved'} to ${to.name}.`) });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={headingId} data-testid="collection" ref={sortable.setNodeRef} style={dragStyle(sortable)}>
      <Group justify="space-between" mb="xs" wrap="nowrap">
        <Group gap="xs" wrap="nowrap" align="flex-start">
          <DragHandle label={`Drag collection ${c.name}`} handle={sortable} />
          <div>
            <Title order={2} size="h3" id={headingId}>
              {c.name}
            </Title>
            {c.description && <Text size="sm">{c.description}</Text>}
          </div>
        </Group>
        <Group gap="xs">
          <Button size="xs" variant="default" disabled={index === 0} loading={moveCollection.isPending} onClick={() => moveCollection.mutate(index - 1)} aria-label={`Move collection ${c.name} up`}>
            Up
          </Button>
          <Button size="xs" variant="default" disabled={index === count - 1} onClick={() => moveCollection.mutate(index + 1)} aria-label={`Move collection ${c.name} down`}>
            Down
          </Button>
          <Button
            size="xs"
            variant="outline"
            color="red.9"
            loading={remove.isPending}
            onClick={() => {
              if (window.confirm(`Delete the collection ${c.name} and its ${c.items.length} items? Enrollments are kept.`)) remove.mutate(undefined);
            }}
          >
            Delete<span className="visually-hidden"> collection {c.name}</span>
          </Button>
        </Group>
      </Group>
      {failed && <FormError error={failed} fields={[]} />}
      <Text size="sm" role="status" aria-live="polite" className={status ? undefined : 'visually-hidden'}>
        {status}
      </Text>
      <div ref={zone.setNodeRef} data-testid="collection-drop" style={{ borderRadius: 4, outline: zone.isOver ? '2px dashed var(--mantine-color-blue-7)' : undefined, minHeight: 32 }}>
        {c.items.length === 0 ? (
          <Text size="sm" my="sm">
            No courses in this collection yet.
          </Text>
        ) : (
          <Table data-testid="collection-items">
            <Table.Caption>Courses and specialisations of {c.name}, in the order learners see them</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">
                  <span className="visually-hidden">Drag</span>
                </Table.Th>
                <Table.Th scope="col">#</Table.Th>
                <Table.Th scope="col">Name</Table.Th>
                <Table.Th scope="col">Enrolled</Table.Th>
                <Table.Th scope="col">Completed</Table.Th>
                <Table.Th scope="col">
                  <span className="visually-hidden">Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              <SortableContext items={c.items.map((it) => itemKey(c.id, it.id))} strategy={verticalListSortingStrategy}>
                {c.items.map((it, i) => (
                  <ItemRow key={it.id} c={c} it={it}>
                    <Table.Td>{i + 1}</Table.Td>
                    <Table.Td>
                      {it.name}{' '}
                      {it.type === 'specialization' && (
                        <Badge size="xs" variant="outline" color="dark">
                          Specialisation
                        </Badge>
                      )}
                      {it.university && (
                        <Text size="xs" c="dimmed">
                          {it.university}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td data-testid="enrolled">{it.enrolled.toLocaleString()}</Table.Td>
                    <Table.Td data-testid="completed">{it.completed.toLocaleString()}</Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap" justify="flex-end">
                        <ActionIcon variant="default" disabled={i === 0 || moveItem.isPending} onClick={() => move(it, i - 1)} aria-label={`Move ${it.name} up`}>
                          <span aria-hidden>↑</span>
                        </ActionIcon>
                        <ActionIcon variant="default" disabled={i === c.items.length - 1 || moveItem.isPending} onClick={() => move(it, i + 1)} aria-label={`Move ${it.name} down`}>
                          <span aria-hidden>↓</span>
                        </ActionIcon>
                        {others.length > 0 && (
                          <Menu position="bottom-end" withinPortal withInitialFocusPlaceholder={false}>
                            <Menu.Target>
                              <Button size="compact-xs" variant="default" loading={place.isPending && place.variables?.itemId === it.id} aria-label={`Move or copy ${it.name} to another collection`}>
                                Move or copy
                              </Button>
                            </Menu.Target>
                            <Menu.Dropdown>
                              <Menu.Label>Move to</Menu.Label>
                              {others.map((o) => (
                                <Menu.Item key={`m-${o.id}`} disabled={o.items.some((x) => x.id === it.id)} onClick={() => placeItem(it, o, false)}>
                                  Move to {o.name}
                                </Menu.Item>
                              ))}
                              <Menu.Divider />
                              <Menu.Label>Copy to</Menu.Label>
                              {others.map((o) => (
                                <Menu.Item key={`c-${o.id}`} disabled={o.items.some((x) => x.id === it.id)} onClick={() => placeItem(it, o, true)}>
                                  Copy to {o.name}
                                </Menu.Item>
                              ))}
                            </Menu.Dropdown>
                          </Menu>
                        )}
                        <Button size="compact-xs" variant="outline" color="red.9" onClick={() => removeItem.mutate(it.id)} aria-label={`Remove ${it.name} from ${c.name}`}>
                          Remove
                        </Button>
                      </Group>
                    </Table.Td>
                  </ItemRow>
                ))}
              </SortableContext>
            </Table.Tbody>
          </Table>
        )}
      </div>
      {adding ? (
        <LibrarySearch orgId={orgId} programId={programId} c={c} onClose={() => setAdding(false)} />
      ) : (
        <Button mt="sm" variant="light" onClick={() => setAdding(true)}>
          Add from the library<span className="visually-hidden"> to {c.name}</span>
        </Button>
      )}
    </Paper>
  );
}

/** ItemRow is an item's row, draggable by its handle within its collection or into another. */
function ItemRow({ c, it, children }: { c: Collection; it: Item; children: ReactNode }) {
  const sortable = useSortable({ id: itemKey(c.id, it.id) });
  return (
    <Table.Tr ref={sortable.setNodeRef} style={dragStyle(sortable)} data-testid={`item-${it.id}`}>
      <Table.Td w={40}>
        <DragHandle label={`Drag ${it.name}`} handle={sortable} />
      </Table.Td>
      {children}
    </Table.Tr>
  );
}

/** LibrarySearch finds courses in the library by name or university and adds them to the collection. */
function LibrarySearch({ orgId, programId, c, onClose }: { orgId: string; programId: string; c: Collection; onClose: () => void }) {
  const api = useApi();
  const [q, setQ] = useState('');
  const [type, setType] = useState<'' | 'course' | 'specialization'>('');
  const [debounced] = useDebouncedValue(q.trim(), 250);
  const searchable = debounced.replace(/[^\p{L}\p{N}]/gu, '').length >= 2;
  const found = useQuery({
    queryKey: ['library', orgId, debounced, type],
    enabled: searchable,
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/library', { params: { path: { orgId }, query: { q: debounced, type: type || undefined, limit: 20 } } })),
    placeholderData: keepPreviousData,
  });
  const add = useCatalogueWrite(orgId, programId, (libraryId: string) =>
    data(api.POST('/v1/orgs/{orgId}/programs/{programId}/collections/{collectionId}/items', { params: { path: { orgId, programId, collectionId: c.id } }, body: { libraryId } })),
  );
  const inCollection = new Set(c.items.map((i) => i.id));
  const labelId = `lib-${c.id}`;
  return (
    <Stack mt="sm" gap="xs" p="sm" style={{ border: '1px solid var(--mantine-color-gray-4)', borderRadius: 4 }} role="group" aria-labelledby={labelId}>
      <Text fw={600} id={labelId}>
        Add to {c.name} from the course library
      </Text>
      <Group align="flex-end">
        <TextInput label="Search the library" description="Name or university, 2 letters at least" value={q} onChange={(e) => setQ(e.currentTarget.value)} data-autofocus autoFocus w={320} />
        <SegmentedControl
          aria-label="Type"
          value={type}
          onChange={(v) => setType(v as typeof type)}
          data={[
            { value: '', label: 'All' },
            { value: 'course', label: 'Courses' },
            { value: 'specialization', label: 'Specialisations' },
          ]}
        />
        <Button variant="default" onClick={onClose}>
          Done
        </Button>
      </Group>
      {add.isError && <FormError error={add.error} fields={[]} />}
      {!searchable && <Text size="sm">Type to search.</Text>}
      {searchable && found.isPending && <Loading label="Searching" />}
      {searchable && found.isError && <ErrorState error={found.error} retry={() => void found.refetch()} />}
      {searchable && found.data && found.data.items.length === 0 && <Text size="sm">Nothing in the library matches “{debounced}”.</Text>}
      {searchable && found.data && found.data.items.length > 0 && (
        <ul aria-label="Library results" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-busy={found.isFetching}>
          {found.data.items.map((it) => (
            <li key={it.id}>
              <Group justify="space-between" py={4} style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}>
                <div>
                  <Text size="sm">
                    {it.name}
                    {it.type === 'specialization' ? ' (specialisation)' : ''}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {it.university ?? 'No university'} · {it.id}
                  </Text>
                </div>
                {inCollection.has(it.id) ? (
                  <Text size="sm">In the collection</Text>
                ) : (
                  <Button size="xs" variant="default" loading={add.isPending && add.variables === it.id} onClick={() => add.mutate(it.id)} aria-label={`Add ${it.name}`}>
                    Add
                  </Button>
                )}
              </Group>
            </li>
          ))}
        </ul>
      )}
    </Stack>
  );
}
