import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { AlertStreamProvider } from './api/alert-stream.tsx';
import { AppLayout } from './components/app-layout.tsx';
import { ErrorBoundary } from './components/error-boundary.tsx';
import { PageLoader } from './components/page-loader.tsx';
import { RequirePermission, RequireSession } from './components/require-session.tsx';
import { LoginPage } from './pages/login-page.tsx';

// Every page but sign-in is its own chunk, so the first screen loads quickly.
const SetupPage = lazy(() => import('./pages/setup-page.tsx').then((m) => ({ default: m.SetupPage })));
const MfaPage = lazy(() => import('./pages/mfa-page.tsx').then((m) => ({ default: m.MfaPage })));
const MfaSetupPage = lazy(() => import('./pages/mfa-setup-page.tsx').then((m) => ({ default: m.MfaSetupPage })));
const SetPasswordPage = lazy(() =>
  import('./pages/set-password-page.tsx').then((m) => ({ default: m.SetPasswordPage })),
);
const DashboardPage = lazy(() => import('./pages/dashboard-page.tsx').then((m) => ({ default: m.DashboardPage })));
const AlertsPage = lazy(() => import('./pages/alerts-page.tsx').then((m) => ({ default: m.AlertsPage })));
const AlertDetailPage = lazy(() =>
  import('./pages/alert-detail-page.tsx').then((m) => ({ default: m.AlertDetailPage })),
);
const AgentsPage = lazy(() => import('./pages/agents-page.tsx').then((m) => ({ default: m.AgentsPage })));
const FacilitiesPage = lazy(() => import('./pages/facilities-page.tsx').then((m) => ({ default: m.FacilitiesPage })));
const UsersPage = lazy(() => import('./pages/users-page.tsx').then((m) => ({ default: m.UsersPage })));
const NotificationsPage = lazy(() =>
  import('./pages/notifications-page.tsx').then((m) => ({ default: m.NotificationsPage })),
);
const DecoysPage = lazy(() => import('./pages/decoys-page.tsx').then((m) => ({ default: m.DecoysPage })));
const DecoyHostPage = lazy(() => import('./pages/decoy-host-page.tsx').then((m) => ({ default: m.DecoyHostPage })));
const SensorsPage = lazy(() => import('./pages/sensors-page.tsx').then((m) => ({ default: m.SensorsPage })));
const SensorSessionPage = lazy(() =>
  import('./pages/sensors-session-page.tsx').then((m) => ({ default: m.SensorSessionPage })),
);
const AuditPage = lazy(() => import('./pages/audit-page.tsx').then((m) => ({ default: m.AuditPage })));
const SettingsPage = lazy(() => import('./pages/settings-page.tsx').then((m) => ({ default: m.SettingsPage })));
const NotFoundPage = lazy(() => import('./pages/not-found-page.tsx').then((m) => ({ default: m.NotFoundPage })));

/** The console's routes: the sign-in steps, then the signed-in shell with one page per menu item. */
export function App() {
  return (
    <ErrorBoundary>
      <Suspense fallback={<PageLoader />}>
        <Routes>
          <Route path="/setup" element={<SetupPage />} />
          <Route path="/login" element={<LoginPage />} />
          <Route path="/mfa" element={<MfaPage />} />
          <Route path="/mfa/setup" element={<MfaSetupPage />} />
          <Route path="/set-password" element={<SetPasswordPage />} />
          <Route
            element={
              <RequireSession>
                <AlertStreamProvider>
                  <AppLayout />
                </AlertStreamProvider>
              </RequireSession>
            }
          >
            <Route index element={<DashboardPage />} />
            <Route
              path="alerts"
              element={
                <RequirePermission permission="alert:read">
                  <AlertsPage />
                </RequirePermission>
              }
            />
            <Route
              path="alerts/:id"
              element={
                <RequirePermission permission="alert:read">
                  <AlertDetailPage />
                </RequirePermission>
              }
            />
            <Route
              path="agents"
              element={
                <RequirePermission permission="agent:read">
                  <AgentsPage />
                </RequirePermission>
              }
            />
            <Route
              path="decoys"
              element={
                <RequirePermission permission="decoy:read">
                  <DecoysPage />
                </RequirePermission>
              }
            />
            <Route
              path="decoys/hosts/:agentId"
              element={
                <RequirePermission permission="decoy:read">
                  <DecoyHostPage />
                </RequirePermission>
              }
            />
            <Route
              path="sensors"
              element={
                <RequirePermission permission="decoy:read">
                  <SensorsPage />
                </RequirePermission>
              }
            />
            <Route
              path="sensors/sessions/:id"
              element={
                <RequirePermission permission="decoy:read">
                  <SensorSessionPage />
                </RequirePermission>
              }
            />
            <Route
              path="facilities"
              element={
                <RequirePermission permission="facility:read">
                  <FacilitiesPage />
                </RequirePermission>
              }
            />
            <Route
              path="users"
              element={
                <RequirePermission permission="user:read">
                  <UsersPage />
                </RequirePermission>
              }
            />
            <Route
              path="notifications"
              element={
                <RequirePermission permission="notification:manage">
                  <NotificationsPage />
                </RequirePermission>
              }
            />
            <Route
              path="audit"
              element={
                <RequirePermission permission="audit:read">
                  <AuditPage />
                </RequirePermission>
              }
            />
            <Route
              path="settings"
              element={
                <RequirePermission permission="settings:read">
                  <SettingsPage />
                </RequirePermission>
              }
            />
            <Route path="dashboard" element={<Navigate to="/" replace />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </Suspense>
    </ErrorBoundary>
  );
}
