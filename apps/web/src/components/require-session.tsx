import type { Permission } from '@mamori/contracts';
import { Alert, Container } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation } from 'react-router';
import { pathForState, useSession } from '../api/session.tsx';
import { PageLoader } from './page-loader.tsx';
import { QueryError } from './query-error.tsx';

/** Renders its children only for a fully signed-in session; otherwise sends the user to the right step. */
export function RequireSession({ children }: { children: ReactNode }) {
  const { session, isLoading, loadError, refresh } = useSession();
  const location = useLocation();
  if (isLoading) return <PageLoader minHeight="100vh" />;
  if (loadError && !session) {
    return (
      <Container size="sm" py="xl">
        <QueryError error={loadError} onRetry={() => void refresh()} />
      </Container>
    );
  }
  if (!session) {
    const next = location.pathname === '/' ? '' : `?next=${encodeURIComponent(location.pathname + location.search)}`;
    return <Navigate to={`/login${next}`} replace />;
  }
  if (session.state !== 'active') {
    return <Navigate to={pathForState(session.state, location.pathname + location.search)} replace />;
  }
  return <>{children}</>;
}

/** Renders its children only when the signed-in role holds the permission. */
export function RequirePermission({ permission, children }: { permission: Permission; children: ReactNode }) {
  const { can } = useSession();
  const { t } = useTranslation();
  if (!can(permission)) {
    return (
      <Alert color="yellow" title={t('errors.noAccessTitle')} data-testid="no-access">
        {t('errors.codes.forbidden')}
      </Alert>
    );
  }
  return <>{children}</>;
}
