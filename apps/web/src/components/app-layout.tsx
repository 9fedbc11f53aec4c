import type { Permission } from '@mamori/contracts';
import { AppShell, Badge, Box, Burger, Button, Group, NavLink, ScrollArea, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconBell,
  IconBuildingHospital,
  IconDeviceDesktop,
  IconFishHook,
  IconLayoutDashboard,
  IconListDetails,
  IconLogout,
  IconSend,
  IconServerBolt,
  IconSettings,
  IconUsers,
} from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { type ComponentType, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation } from 'react-router';
import { alertApi } from '../api/endpoints.ts';
import { queryKeys, useSettings } from '../api/queries.ts';
import { useSession } from '../api/session.tsx';
import { ErrorBoundary } from './error-boundary.tsx';
import { IdleWatcher } from './idle-watcher.tsx';
import { LangSwitch } from './lang-switch.tsx';
import { LogoMark } from './logo.tsx';
import { PageLoader } from './page-loader.tsx';

type NavItem = {
  to: string;
  key: string;
  testId: string;
  icon: ComponentType<{ size?: number; stroke?: number }>;
  permission?: Permission;
};

const NAV: NavItem[] = [
  { to: '/', key: 'nav.dashboard', testId: 'nav-dashboard', icon: IconLayoutDashboard },
  { to: '/alerts', key: 'nav.alerts', testId: 'nav-alerts', icon: IconBell, permission: 'alert:read' },
  {
    to: '/facilities',
    key: 'nav.facilities',
    testId: 'nav-facilities',
    icon: IconBuildingHospital,
    permission: 'facility:read',
  },
  { to: '/agents', key: 'nav.agents', testId: 'nav-agents', icon: IconDeviceDesktop, permission: 'agent:read' },
  { to: '/decoys', key: 'nav.decoys', testId: 'nav-decoys', icon: IconFishHook, permission: 'decoy:read' },
  { to: '/sensors', key: 'sensors.nav', testId: 'nav-sensors', icon: IconServerBolt, permission: 'decoy:read' },
  {
    to: '/notifications',
    key: 'notifications.nav',
    testId: 'nav-notifications',
    icon: IconSend,
    permission: 'notification:manage',
  },
  { to: '/users', key: 'nav.users', testId: 'nav-users', icon: IconUsers, permission: 'user:read' },
  { to: '/audit', key: 'nav.audit', testId: 'nav-audit', icon: IconListDetails, permission: 'audit:read' },
  { to: '/settings', key: 'nav.settings', testId: 'nav-settings', icon: IconSettings, permission: 'settings:read' },
];

/** The signed-in shell: header with organisation and user, navigation by permission, the page. */
export function AppLayout() {
  const { t } = useTranslation();
  const { session, can, signOut } = useSession();
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  const settings = useSettings();
  // New (untouched) alerts, as a count beside the menu item; refreshed by the live stream.
  const newAlerts = useQuery({
    queryKey: [...queryKeys.alerts, 'count', 'new'],
    queryFn: () => alertApi.list({ status: 'new', limit: 1 }),
    enabled: can('alert:read'),
  });
  if (!session) return null;
  const orgName = session.organisationName || t('app.name');

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 232, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap" miw={0}>
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('header.menu')} />
            <Box style={{ flexShrink: 0, display: 'flex' }}>
              <LogoMark size={30} />
            </Box>
            <Stack gap={0} miw={0}>
              <Text fw={700} size="md" truncate="end" data-testid="header-org">
                {orgName}
              </Text>
              <Text size="xs" c="dimmed" visibleFrom="xs">
                {t('app.tagline')}
              </Text>
            </Stack>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Stack gap={0} align="flex-end" visibleFrom="sm" data-testid="header-user">
              <Text size="sm" fw={600} truncate="end" maw={220}>
                {session.user.displayName}
              </Text>
              <Badge size="xs" variant="light" radius="sm">
                {t(`roles.${session.user.role}`)}
              </Badge>
            </Stack>
            <LangSwitch />
            <Button
              variant="default"
              size="compact-sm"
              leftSection={<IconLogout size={16} />}
              onClick={() => void signOut('signed_out')}
              aria-label={t('header.signOut')}
              data-testid="signout"
            >
              <Box component="span" visibleFrom="sm">
                {t('header.signOut')}
              </Box>
            </Button>
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="sm">
        <AppShell.Section grow component={ScrollArea}>
          {NAV.filter((item) => !item.permission || can(item.permission)).map((item) => {
            const active = item.to === '/' ? location.pathname === '/' : location.pathname.startsWith(item.to);
            return (
              <NavLink
                key={item.to}
                component={Link}
                to={item.to}
                label={t(item.key)}
                leftSection={<item.icon size={20} stroke={1.7} />}
                rightSection={
                  item.to === '/alerts' && newAlerts.data?.total ? (
                    <Badge size="sm" color="red" circle={newAlerts.data.total < 10} data-testid="nav-alerts-new">
                      {newAlerts.data.total > 99 ? '99+' : newAlerts.data.total}
                    </Badge>
                  ) : undefined
                }
                active={active}
                onClick={close}
                data-testid={item.testId}
                fw={500}
                style={{ borderRadius: 'var(--mantine-radius-md)' }}
              />
            );
          })}
        </AppShell.Section>
        <AppShell.Section hiddenFrom="sm" pt="sm">
          <Text size="sm" fw={600}>
            {session.user.displayName}
          </Text>
          <Text size="xs" c="dimmed">
            {t(`roles.${session.user.role}`)}
          </Text>
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main bg="var(--mantine-color-gray-0)">
        <ErrorBoundary key={location.pathname}>
          <Suspense fallback={<PageLoader />}>
            <Outlet />
          </Suspense>
        </ErrorBoundary>
      </AppShell.Main>
      <IdleWatcher idleMinutes={settings.data?.sessionIdleMinutes} />
    </AppShell>
  );
}
