import { useEffect, useState } from 'react';
import { Anchor, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';
import { data, type Schemas } from '../api/client';
import { useApi } from '../api/context';
import { CursorPager, useCursors } from '../ui/CursorPager';
import { Empty, ErrorState, Loading } from '../ui/states';

const states: Record<Schemas['UserProgram']['state'], string> = { INVITED: 'invited', MEMBER: 'member', DELETED_MEMBER: 'removed' };

/**
 * Users lists everyone invited to or member of the org's programs (those of
 * the caller's programs for a program admin), once each, with their programs.
 * The search and sort live in the URL.
 */
export default function Users() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const sort = params.get('sort') === 'name' ? 'name' : 'email';
  const [search, setSearch] = useState(params.get('search') ?? '');
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const pages = useCursors();
  useEffect(() => {
    const p = new URLSearchParams();
    if (sort !== 'email') p.set('sort', sort);
    if (debounced) p.set('search', debounced);
    setParams(p, { replace: true });
    pages.reset();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced, sort]);
  const users = useQuery({
    queryKey: ['users', orgId, sort, debounced, pages.cursor],
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/users', { params: { path: { orgId }, query: { sort, search: debounced || undefined, limit: 50, cursor: pages.cursor } } })),
    placeholderData: keepPreviousData,
  });
  const items = users.data?.items ?? [];
  const next = users.data?.nextCursor;
  return (
    <Stack>
      <Title order={1}>Users</Title>
      <Text size="sm">Everyone invited to or member of your programs, once each, with where they stand in each program.</Text>
      <Group align="flex-end">
        <Select
          label="Sort by"
          data={[
            { value: 'email', label: 'Email' },
            { value: 'name', label: 'Name' },
          ]}
          value={sort}
          onChange={(v) => {
            const p = new URLSearchParams(params);
            if (v === 'name') p.set('sort', 'name');
            else p.delete('sort');
            setParams(p, { replace: true });
          }}
          allowDeselect={false}
          w={140}
        />
        <TextInput label="Search" description={sort === 'name' ? 'Name starts with' : 'Email starts with'} value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={260} />
      </Group>
      {users.isPending && <Loading label="Loading the users" />}
      {users.isError && <ErrorState error={users.error} retry={() => void users.refetch()} />}
      {users.data && items.length === 0 && !next && (
        <Empty title={debounced ? `No one matches “${debounced}”` : 'No users yet'}>
          <Text size="sm">{debounced ? 'Try another beginning, or sort by the other field.' : 'Invite learners to a program and they appear here.'}</Text>
        </Empty>
      )}
      {items.length > 0 && (
        <Table striped data-testid="users-table" aria-busy={users.isFetching}>
          <Table.Caption>
            Users by {sort}, page {pages.page + 1}
          </Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Email</Table.Th>
              <Table.Th scope="col">Programs</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((u) => (
              <Table.Tr key={`${u.email}|${u.fullName}`}>
                <Table.Td>{u.fullName || '—'}</Table.Td>
                <Table.Td>{u.email}</Table.Td>
                <Table.Td>
                  <Group gap="xs">
                    {u.programs.map((p) => (
                      <Anchor key={p.programId} component={Link} to={`/orgs/${orgId}/programs/${p.programId}/members/${encodeURIComponent(u.email)}`} size="sm">
                        {p.programName} ({states[p.state]})
                      </Anchor>
                    ))}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <CursorPager pages={pages} next={next} labels={['Previous page', 'Next page']} />
    </Stack>
  );
}
