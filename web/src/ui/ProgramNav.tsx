import { Anchor, Breadcrumbs, Tabs, Title } from '@mantine/core';
import { Link, useLocation, useNavigate } from 'react-router';
import { useProgram } from '../api/queries';

const tabs = [
  { value: 'settings', path: '', label: 'Settings' },
  { value: 'members', path: '/members', label: 'Members' },
  { value: 'catalogue', path: '/catalogue', label: 'Catalogue' },
  { value: 'invite', path: '/invite', label: 'Invite' },
  { value: 'whitelist', path: '/whitelist', label: 'Whitelist' },
];

/** ProgramNav is the heading and the tabs of a program's screens. */
export function ProgramNav({ orgId, programId, screen }: { orgId: string; programId: string; screen: string }) {
  const program = useProgram(orgId, programId);
  const navigate = useNavigate();
  const base = `/orgs/${orgId}/programs/${programId}`;
  const { pathname } = useLocation();
  const current = tabs.find((t) => t.path && pathname.endsWith(t.path))?.value ?? 'settings';
  const name = program.data?.name ?? programId;
  return (
    <>
      <Breadcrumbs mb="xs" aria-label="Breadcrumb">
        <Anchor component={Link} to={`/orgs/${orgId}/programs`}>
          Programs
        </Anchor>
        <span>{name}</span>
      </Breadcrumbs>
      <Title order={1} mb="sm">
        {screen}: {name}
      </Title>
      <Tabs value={current} onChange={(v) => navigate(base + (tabs.find((t) => t.value === v)?.path ?? ''))} mb="md" keepMounted={false}>
        <Tabs.List aria-label="Program sections">
          {tabs.map((t) => (
            <Tabs.Tab key={t.value} value={t.value}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
    </>
  );
}
