import { Tabs } from '@mantine/core';
import { IconHistory, IconListCheck, IconSend } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../components/page-header.tsx';
import { useSearchFilters } from '../lib/use-search-filters.ts';
import { ChannelsTab } from './notifications-channels.tsx';
import { DeliveriesTab } from './notifications-deliveries.tsx';
import { RulesTab } from './notifications-rules.tsx';

const TABS = ['channels', 'rules', 'deliveries'] as const;
type Tab = (typeof TABS)[number];
const isTab = (v: string | null): v is Tab => !!v && (TABS as readonly string[]).includes(v);

// Filters of the history tab, cleared when the user moves to another tab.
const HISTORY_FILTERS = { status: null, channelId: null, severity: null, facilityId: null, period: null };

/** Notifications: where alerts are sent (channels), which alerts go where (rules), and what was sent (history). */
export function NotificationsPage() {
  const { t } = useTranslation();
  const filters = useSearchFilters();
  const tabParam = filters.get('tab');
  const tab: Tab = isTab(tabParam) ? tabParam : 'channels';

  return (
    <>
      <PageHeader title={t('notifications.title')} description={t('notifications.description')} />
      <Tabs
        value={tab}
        onChange={(v) => filters.set({ ...HISTORY_FILTERS, tab: v === 'channels' ? null : v })}
        keepMounted={false}
        variant="outline"
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="channels" leftSection={<IconSend size={16} />} data-testid="notifications-tab-channels">
            {t('notifications.tabs.channels')}
          </Tabs.Tab>
          <Tabs.Tab value="rules" leftSection={<IconListCheck size={16} />} data-testid="notifications-tab-rules">
            {t('notifications.tabs.rules')}
          </Tabs.Tab>
          <Tabs.Tab
            value="deliveries"
            leftSection={<IconHistory size={16} />}
            data-testid="notifications-tab-deliveries"
          >
            {t('notifications.tabs.deliveries')}
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="channels">
          <ChannelsTab />
        </Tabs.Panel>
        <Tabs.Panel value="rules">
          <RulesTab />
        </Tabs.Panel>
        <Tabs.Panel value="deliveries">
          <DeliveriesTab />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
