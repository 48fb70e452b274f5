import { lazy, Suspense, useSyncExternalStore } from 'react';
import { Route, Routes, useLocation } from 'react-router';
import { Button, Center, Paper, Stack, Text, Title } from '@mantine/core';
import { useAuth } from './api/context';
import { Layout } from './ui/Layout';
import { Loading } from './ui/states';
import { ErrorBoundary } from './ui/ErrorBoundary';
import { learnerPath } from './lib/learner';

const OrgPicker = lazy(() => import('./screens/OrgPicker'));
const Home = lazy(() => import('./screens/Home'));
const Programs = lazy(() => import('./screens/Programs'));
const ProgramSettings = lazy(() => import('./screens/ProgramSettings'));
const Members = lazy(() => import('./screens/Members'));
const Invite = lazy(() => import('./screens/Invite'));
const Whitelist = lazy(() => import('./screens/Whitelist'));
const Messages = lazy(() => import('./screens/Messages'));
const Reports = lazy(() => import('./screens/Reports'));
const Admins = lazy(() => import('./screens/Admins'));
const Contracts = lazy(() => import('./screens/Contracts'));
const OrgSettings = lazy(() => import('./screens/OrgSettings'));
const Users = lazy(() => import('./screens/Users'));
const Catalogue = lazy(() => import('./screens/Catalogue'));
const MemberDetail = lazy(() => import('./screens/MemberDetail'));
const Audit = lazy(() => import('./screens/Audit'));
const LearnerApp = lazy(() => import('./learner/LearnerApp'));

/** App is the signed-in console, or the sign-in prompt. */
export function App() {
  const auth = useAuth();
  const session = useSyncExternalStore(auth.subscribe, () => auth.current());
  const { pathname } = useLocation();
  const learner = learnerPath(pathname);
  if (!session) return <SignIn learner={learner} />;
  if (learner)
    return (
      <ErrorBoundary resetKey={pathname}>
        <Suspense fallback={<Loading />}>
          <LearnerApp />
        </Suspense>
      </ErrorBoundary>
    );
  return (
    <Layout>
      <ErrorBoundary resetKey={pathname}>
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="/" element={<OrgPicker />} />
          <Route path="/orgs/:orgId" element={<Home />} />
          <Route path="/orgs/:orgId/programs" element={<Programs />} />
          <Route path="/orgs/:orgId/programs/:programId" element={<ProgramSettings />} />
          <Route path="/orgs/:orgId/programs/:programId/members" element={<Members />} />
          <Route path="/orgs/:orgId/programs/:programId/members/:email" element={<MemberDetail />} />
          <Route path="/orgs/:orgId/programs/:programId/catalogue" element={<Catalogue />} />
          <Route path="/orgs/:orgId/programs/:programId/invite" element={<Invite />} />
          <Route path="/orgs/:orgId/programs/:programId/whitelist" element={<Whitelist />} />
          <Route path="/orgs/:orgId/messages" element={<Messages />} />
          <Route path="/orgs/:orgId/reports" element={<Reports />} />
          <Route path="/orgs/:orgId/admins" element={<Admins />} />
          <Route path="/orgs/:orgId/contracts" element={<Contracts />} />
          <Route path="/orgs/:orgId/users" element={<Users />} />
          <Route path="/orgs/:orgId/settings" element={<OrgSettings />} />
          <Route path="/orgs/:orgId/audit" element={<Audit />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Suspense>
      </ErrorBoundary>
    </Layout>
  );
}

function SignIn({ learner }: { learner: boolean }) {
  const auth = useAuth();
  const loc = useLocation();
  return (
    <main>
      <Center mih="100vh">
        <Paper withBorder p="xl" maw={420}>
          <Stack>
            <Title order={1} size="h2">
              {learner ? 'Learning' : 'Back office'}
            </Title>
            <Text>{learner ? 'Sign in with the email address your invitation was sent to.' : 'Sign in to manage your organisation’s learning programs.'}</Text>
            <Button onClick={() => void auth.signIn(loc.pathname + loc.search)}>Sign in</Button>
          </Stack>
        </Paper>
      </Center>
    </main>
  );
}

function NotFound() {
  return (
    <Stack>
      <Title order={1}>Page not found</Title>
      <Text>There is nothing at this address.</Text>
    </Stack>
  );
}
