// The learner's pages: the invitation link's page and the program page. They
// use the public API as the learner (any signed-in person), in a frame of
// their own, loaded only when a learner's link is opened.
import { Anchor, Box, Button, Container, Group, Text } from '@mantine/core';
import { Link, Route, Routes } from 'react-router';
import { useAuth } from '../api/context';
import Invitation from './Invitation';
import ProgramPage from './ProgramPage';

export default function LearnerApp() {
  const auth = useAuth();
  return (
    <>
      <a href="#main" className="visually-hidden">
        Skip to content
      </a>
      <Box component="header" px="md" py="sm" style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}>
        <Group justify="space-between">
          <Text fw={700}>Learning</Text>
          <Group gap="sm">
            <Text size="sm" data-testid="signed-in-as">
              {auth.current()?.claims.email}
            </Text>
            <Button size="xs" variant="default" onClick={() => void auth.signOut()}>
              Sign out
            </Button>
          </Group>
        </Group>
      </Box>
      <Container component="main" id="main" tabIndex={-1} size="md" py="lg">
        <Routes>
          <Route path="/invitations/:token" element={<Invitation />} />
          {/* The course welcome email links to /programs/<slug>/learn/<item>: the program page, until there is a player. */}
          <Route path="/programs/:slug/*" element={<ProgramPage />} />
          <Route
            path="*"
            element={
              <Text>
                There is nothing at this address. <Anchor component={Link} to="/">Go to the start</Anchor>
              </Text>
            }
          />
        </Routes>
      </Container>
    </>
  );
}
