import { Alert, Anchor, Collapse, Tabs, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconHistory, IconLayoutDashboard, IconServerBolt, IconUsersGroup } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { LiveIndicator } from '../components/live-indicator.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { useSearchFilters } from '../lib/use-search-filters.ts';
import { AttackersTab } from './sensors-attackers.tsx';
import { OverviewTab, PersonaGuide } from './sensors-overview.tsx';
import { SessionsTab } from './sensors-sessions.tsx';
import { useSensorLiveRefresh } from './sensors-shared.tsx';

const TABS = ['overview', 'sessions', 'attackers'] as const;
type Tab = (typeof TABS)[number];
const isTab = (v: string | null): v is Tab => !!v && (TABS as readonly string[]).includes(v);

// Filters that belong to one tab only; the facility is kept across tabs.
const TAB_FILTERS = { agentId: null, persona: null, srcIp: null, live: null, hours: null } as const;

/** Decoy servers: the sensors and what attackers did to them, the sessions with their replay, the attackers. */
export function SensorsPage() {
  const { t } = useTranslation();
  const filters = useSearchFilters();
  const tabParam = filters.get('tab');
  const tab: Tab = isTab(tabParam) ? tabParam : 'overview';
  const [guide, { toggle }] = useDisclosure(false);
  useSensorLiveRefresh();

  return (
    <>
      <PageHeader title={t('sensors.title')} description={t('sensors.description')} actions={<LiveIndicator />} />
      <Alert color="blue" variant="light" icon={<IconServerBolt />} title={t('sensors.intro.title')} mb="lg">
        <Text size="sm">{t('sensors.intro.body')}</Text>
        <Text size="sm" mt={6}>
          {t('sensors.intro.when')}
        </Text>
        <Anchor component="button" type="button" size="sm" mt={6} onClick={toggle} data-testid="sensors-guide-toggle">
          {t(guide ? 'sensors.intro.hideKinds' : 'sensors.intro.showKinds')}
        </Anchor>
        <Collapse expanded={guide}>
          <div style={{ paddingTop: 8 }}>
            <PersonaGuide />
          </div>
        </Collapse>
      </Alert>
      <Tabs
        value={tab}
        onChange={(v) => filters.set({ ...TAB_FILTERS, tab: v === 'overview' ? null : v })}
        keepMounted={false}
        variant="outline"
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="overview" leftSection={<IconLayoutDashboard size={16} />} data-testid="sensors-tab-overview">
            {t('sensors.tabs.overview')}
          </Tabs.Tab>
          <Tabs.Tab value="sessions" leftSection={<IconHistory size={16} />} data-testid="sensors-tab-sessions">
            {t('sensors.tabs.sessions')}
          </Tabs.Tab>
          <Tabs.Tab value="attackers" leftSection={<IconUsersGroup size={16} />} data-testid="sensors-tab-attackers">
            {t('sensors.tabs.attackers')}
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="overview">
          <OverviewTab />
        </Tabs.Panel>
        <Tabs.Panel value="sessions">
          <SessionsTab />
        </Tabs.Panel>
        <Tabs.Panel value="attackers">
          <AttackersTab />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
