import type { ReactNode } from 'react';
import { AppShell, Anchor, Burger, Button, Group, NavLink, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, useLocation, useMatch } from 'react-router';
import { useAuth } from '../api/context';
import { isOperator } from '../auth/token';

const sections = [
  { to: '', label: 'Home' },
  { to: '/programs', label: 'Programs' },
  { to: '/users', label: 'Users' },
  { to: '/messages', label: 'Messages' },
  { to: '/reports', label: 'Reports' },
  { to: '/admins', label: 'Admins' },
  { to: '/contracts', label: 'Contracts' },
  { to: '/audit', label: 'Audit log' },
  { to: '/settings', label: 'Settings' },
];

/** Layout is the frame of every signed-in screen: header, navigation, main. */
export function Layout({ children }: { children: ReactNode }) {
  const auth = useAuth();
  const session = auth.current();
  const [opened, { toggle }] = useDisclosure();
  const deep = useMatch('/orgs/:orgId/*');
  const top = useMatch('/orgs/:orgId');
  const orgId = (deep ?? top)?.params.orgId;
  const { pathname } = useLocation();
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <a href="#main" className="visually-hidden">
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group>
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Anchor component={Link} to="/" fw={700} c="dark">
              Back office
            </Anchor>
          </Group>
          <Group gap="sm">
            <Text size="sm" data-testid="signed-in-as">
              {session?.claims.email}
              {isOperator(session?.claims) ? ' (platform operator)' : ''}
            </Text>
            <Button size="xs" variant="default" onClick={() => void auth.signOut()}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Sections">
        {orgId ? (
          sections.map((s) => {
            const to = `/orgs/${orgId}${s.to}`;
            const active = s.to === '' ? pathname === to : pathname.startsWith(to);
            return <NavLink key={s.label} component={Link} to={to} label={s.label} active={active} variant="filled" aria-current={active ? 'page' : undefined} />;
          })
        ) : (
          <NavLink component={Link} to="/" label="Organisations" active variant="filled" />
        )}
      </AppShell.Navbar>
      <AppShell.Main id="main" component="main" tabIndex={-1}>
        {children}
      </AppShell.Main>
    </AppShell>
  );
}
