import { Alert, Tabs, Text } from '@mantine/core';
import { IconBroadcast, IconFishHook, IconListCheck, IconShieldCheck } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { LiveIndicator } from '../components/live-indicator.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { useSearchFilters } from '../lib/use-search-filters.ts';
import { BeaconsTab } from './decoys-beacons.tsx';
import { CoverageTab } from './decoys-coverage.tsx';
import { PoliciesTab } from './decoys-policies.tsx';
import { useDecoyLiveRefresh } from './decoys-shared.tsx';

const TABS = ['coverage', 'policies', 'beacons'] as const;
type Tab = (typeof TABS)[number];
const isTab = (v: string | null): v is Tab => !!v && (TABS as readonly string[]).includes(v);

/** Decoys: what they are, where they are and whether they are checked, the policies, and beacon openings. */
export function DecoysPage() {
  const { t } = useTranslation();
  const filters = useSearchFilters();
  const tabParam = filters.get('tab');
  const tab: Tab = isTab(tabParam) ? tabParam : 'coverage';
  useDecoyLiveRefresh();

  return (
    <>
      <PageHeader title={t('decoys.title')} description={t('decoys.description')} actions={<LiveIndicator />} />
      <Alert color="blue" variant="light" icon={<IconFishHook />} title={t('decoys.intro.title')} mb="lg">
        <Text size="sm">{t('decoys.intro.body')}</Text>
        <Text size="sm" mt={6}>
          {t('decoys.intro.when')}
        </Text>
      </Alert>
      <Tabs
        value={tab}
        // The facility filter is kept across tabs; paging starts over.
        onChange={(v) => filters.set({ tab: v === 'coverage' ? null : v })}
        keepMounted={false}
        variant="outline"
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="coverage" leftSection={<IconShieldCheck size={16} />} data-testid="decoys-tab-coverage">
            {t('decoys.tabs.coverage')}
          </Tabs.Tab>
          <Tabs.Tab value="policies" leftSection={<IconListCheck size={16} />} data-testid="decoys-tab-policies">
            {t('decoys.tabs.policies')}
          </Tabs.Tab>
          <Tabs.Tab value="beacons" leftSection={<IconBroadcast size={16} />} data-testid="decoys-tab-beacons">
            {t('decoys.tabs.beacons')}
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="coverage">
          <CoverageTab />
        </Tabs.Panel>
        <Tabs.Panel value="policies">
          <PoliciesTab />
        </Tabs.Panel>
        <Tabs.Panel value="beacons">
          <BeaconsTab />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
