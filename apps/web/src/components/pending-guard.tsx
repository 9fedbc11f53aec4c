import type { SessionState } from '@mamori/contracts';
import type { ReactNode } from 'react';
import { Navigate, useSearchParams } from 'react-router';
import { pathForState, useSession } from '../api/session.tsx';
import { PageLoader } from './page-loader.tsx';

/** Shows a second-step page only to a session that is waiting for exactly that step. */
export function PendingGuard({ state, children }: { state: SessionState; children: ReactNode }) {
  const { session, isLoading } = useSession();
  const [params] = useSearchParams();
  if (isLoading) return <PageLoader minHeight="100vh" />;
  if (!session) return <Navigate to="/login?reason=expired" replace />;
  if (session.state !== state) return <Navigate to={pathForState(session.state, params.get('next'))} replace />;
  return <>{children}</>;
}
