import { useState } from 'react';
import { ActionIcon, Badge, Button, Group, Paper, SegmentedControl, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { data, type Schemas } from '../api/client';
import { useApi } from '../api/context';
import { keys } from '../api/queries';
import { ProgramNav } from '../ui/ProgramNav';
import { Empty, ErrorState, fieldError, FormError, Loading } from '../ui/states';

type Collection = Schemas['CatalogCollection'];

/** Catalogue edits a program's collections: their items from the course library, in order, with each item's counts. */
export default function Catalogue() {
  const { orgId = '', programId = '' } = useParams();
  const api = useApi();
  const list = useQuery({
    queryKey: keys.collections(orgId, programId),
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/programs/{programId}/collections', { params: { path: { orgId, programId } } })),
  });
  const cols = list.data?.items ?? [];
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
      {cols.map((c, i) => (
        <CollectionCard key={c.id} orgId={orgId} programId={programId} c={c} index={i} count={cols.length} />
      ))}
      {list.data && <NewCollection orgId={orgId} programId={programId} />}
    </Stack>
  );
}

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

function CollectionCard({ orgId, programId, c, index, count }: { orgId: string; programId: string; c: Collection; index: number; count: number }) {
  const api = useApi();
  const path = { orgId, programId, collectionId: c.id };
  const [status, setStatus] = useState('');
  const moveCollection = useCatalogueWrite(orgId, programId, (position: number) =>
    data(api.PATCH('/v1/orgs/{orgId}/programs/{programId}/collections/{collectionId}', { params: { path }, body: { position } })),
  );
  const remove = useCatalogueWrite(orgId, programId, () => data(api.DELETE('/v1/orgs/{orgId}/programs/{programId}/collections/{collectionId}', { params: { path } })));
  const moveItem = useCatalogueWrite(orgId, programId, ({ itemId, position }: { itemId: string; position: number }) =>
    data(api.POST('/v1/orgs/{orgId}/programs/{programId}/collections/{collectionId}/items/{itemId}/move', { params: { path: { ...path, itemId } }, body: { position } })),
  );
  const removeItem = useCatalogueWrite(orgId, programId, (itemId: string) =>
    data(api.DELETE('/v1/orgs/{orgId}/programs/{programId}/collections/{collectionId}/items/{itemId}', { params: { path: { ...path, itemId } } })),
  );
  const [adding, setAdding] = useState(false);
  const headingId = `col-${c.id}`;
  const failed = moveCollection.error ?? remove.error ?? moveItem.error ?? removeItem.error;
  const move = (item: Schemas['CountedCatalogItem'], to: number) =>
    moveItem.mutate({ itemId: item.id, position: to }, { onSuccess: () => setStatus(`${item.name} moved to position ${to + 1} of ${c.items.length}.`) });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={headingId} data-testid="collection">
      <Group justify="space-between" mb="xs" wrap="nowrap">
        <div>
          <Title order={2} size="h3" id={headingId}>
            {c.name}
          </Title>
          {c.description && <Text size="sm">{c.description}</Text>}
        </div>
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
      {c.items.length === 0 ? (
        <Text size="sm" my="sm">
          No courses in this collection yet.
        </Text>
      ) : (
        <Table data-testid="collection-items">
          <Table.Caption>Courses and specialisations of {c.name}, in the order learners see them</Table.Caption>
          <Table.Thead>
            <Table.Tr>
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
            {c.items.map((it, i) => (
              <Table.Tr key={it.id} data-testid={`item-${it.id}`}>
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
                    <Button size="compact-xs" variant="outline" color="red.9" onClick={() => removeItem.mutate(it.id)} aria-label={`Remove ${it.name} from ${c.name}`}>
                      Remove
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
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
