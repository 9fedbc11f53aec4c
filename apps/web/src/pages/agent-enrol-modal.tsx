import type { EnrolmentTokenResponse } from '@mamori/contracts';
import {
  Alert,
  Box,
  Button,
  Code,
  CopyButton,
  Group,
  Input,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Tabs,
  Text,
  TextInput,
  ThemeIcon,
} from '@mantine/core';
import {
  IconBrandUbuntu,
  IconBrandWindows,
  IconCheck,
  IconCopy,
  IconDownload,
  IconKey,
  IconShieldLock,
} from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { agentApi } from '../api/endpoints.ts';
import { queryKeys, useFacilityDirectory } from '../api/queries.ts';
import { useSession } from '../api/session.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { FormFooter } from '../components/form-footer.tsx';
import { currentLang } from '../i18n/index.ts';
import { enrolCommands } from '../lib/agents.ts';
import { formatDateTime } from '../lib/format.ts';

/** Token lifetimes offered, in minutes (the server accepts 5 minutes to 7 days). */
const TTL_CHOICES = ['60', '1440', '10080'] as const;

function CopyBlock({ value, testId }: { value: string; testId: string }) {
  const { t } = useTranslation();
  return (
    <Box pos="relative">
      <Code block data-testid={testId} pr={100} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
        {value}
      </Code>
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Button
            size="compact-xs"
            variant={copied ? 'filled' : 'default'}
            color={copied ? 'teal' : undefined}
            leftSection={copied ? <IconCheck size={12} /> : <IconCopy size={12} />}
            onClick={copy}
            pos="absolute"
            top={8}
            right={8}
            data-testid={`${testId}-copy`}
          >
            {copied ? t('common.copied') : t('common.copy')}
          </Button>
        )}
      </CopyButton>
    </Box>
  );
}

function Step({ n, title, children }: { n: number; title: string; children: ReactNode }) {
  return (
    <Group align="flex-start" wrap="nowrap" gap="sm">
      <ThemeIcon radius="xl" size={26} variant="light">
        <Text size="sm" fw={700}>
          {n}
        </Text>
      </ThemeIcon>
      <Stack gap={6} style={{ flex: 1, minWidth: 0 }}>
        <Text fw={700} size="sm" mt={3}>
          {title}
        </Text>
        {children}
      </Stack>
    </Group>
  );
}

function TokenPanel({ issued, onDone }: { issued: EnrolmentTokenResponse; onDone: () => void }) {
  const { t } = useTranslation();
  const commands = enrolCommands(window.location.origin, issued.token);
  return (
    <Stack gap="lg">
      <Group gap="xs" align="flex-end" wrap="nowrap">
        <TextInput
          value={issued.token}
          readOnly
          label={t('agents.enrol.tokenLabel')}
          leftSection={<IconKey size={16} />}
          style={{ flex: 1 }}
          // A fixed-height input clips the underscores of some monospace fonts; padding instead keeps them visible.
          styles={{
            input: {
              fontFamily: 'var(--mantine-font-family-monospace)',
              height: 'auto',
              lineHeight: '20px',
              paddingBlock: 7,
            },
          }}
          onFocus={(e) => e.currentTarget.select()}
          data-testid="agent-token"
        />
        <CopyButton value={issued.token}>
          {({ copied, copy }) => (
            <Button
              color={copied ? 'teal' : 'blue'}
              leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
              onClick={copy}
              data-testid="agent-token-copy"
            >
              {copied ? t('common.copied') : t('common.copy')}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Alert
        color="yellow"
        icon={<IconShieldLock />}
        title={t('agents.enrol.once', { date: formatDateTime(issued.expiresAt, currentLang()) })}
        data-testid="agent-token-expiry"
      >
        <Text size="sm">{t('agents.enrol.onceHide')}</Text>
      </Alert>

      <Step n={1} title={t('agents.enrol.step1')}>
        <Text size="sm">{t('agents.enrol.step1Detail')}</Text>
        <Group>
          <Button
            component="a"
            href={agentApi.caUrl}
            download="mamori-ca.crt"
            variant="light"
            leftSection={<IconDownload size={16} />}
            data-testid="agent-ca-download"
          >
            {t('agents.enrol.downloadCa')}
          </Button>
        </Group>
      </Step>

      <Step n={2} title={t('agents.enrol.step2')}>
        <Text size="sm">{t('agents.enrol.step2Detail')}</Text>
        <Tabs defaultValue="windows" variant="outline">
          <Tabs.List>
            <Tabs.Tab value="windows" leftSection={<IconBrandWindows size={16} />} data-testid="agent-tab-windows">
              Windows
            </Tabs.Tab>
            <Tabs.Tab value="linux" leftSection={<IconBrandUbuntu size={16} />} data-testid="agent-tab-linux">
              Linux
            </Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="windows" pt="sm">
            <Stack gap="xs">
              <Text size="sm">{t('agents.enrol.windowsHow')}</Text>
              <CopyBlock value={commands.windows} testId="agent-command-windows" />
            </Stack>
          </Tabs.Panel>
          <Tabs.Panel value="linux" pt="sm">
            <Stack gap="xs">
              <Text size="sm">{t('agents.enrol.linuxHow')}</Text>
              <CopyBlock value={commands.linux} testId="agent-command-linux" />
            </Stack>
          </Tabs.Panel>
        </Tabs>
      </Step>

      <Step n={3} title={t('agents.enrol.step3')}>
        <Text size="sm">{t('agents.enrol.step3Detail')}</Text>
      </Step>

      <Group justify="flex-end">
        <Button onClick={onDone} data-testid="agent-token-done">
          {t('common.close')}
        </Button>
      </Group>
    </Stack>
  );
}

/** "Add agent": choose the facility and the token's lifetime, then the one-time token and the commands. */
export function AgentEnrolModal({
  opened,
  initialFacilityId,
  onClose,
}: {
  opened: boolean;
  initialFacilityId: string | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { session } = useSession();
  const queryClient = useQueryClient();
  const facilities = useFacilityDirectory();
  // Facility roles enrol agents for their own facility only.
  const ownFacility = session?.user.facilityId ?? null;
  const [facilityId, setFacilityId] = useState<string | null>(null);
  const [ttl, setTtl] = useState<string>(TTL_CHOICES[0]);
  const [tried, setTried] = useState(false);
  const create = useMutation({
    mutationFn: (v: { facilityId: string; ttl: number }) => agentApi.createToken(v.facilityId, v.ttl),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: queryKeys.audit }),
  });
  const only = facilities.list.length === 1 ? (facilities.list[0]?.id ?? null) : null;
  const chosen = ownFacility ?? facilityId ?? initialFacilityId ?? only;

  const close = () => {
    onClose();
    // Forget the token once the window has closed (it is shown only once).
    window.setTimeout(() => {
      create.reset();
      setFacilityId(null);
      setTtl(TTL_CHOICES[0]);
      setTried(false);
    }, 200);
  };

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={t(create.data ? 'agents.enrol.doneTitle' : 'agents.enrol.title')}
      size="xl"
      closeOnClickOutside={!create.data}
    >
      {create.data ? (
        <TokenPanel issued={create.data} onDone={close} />
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setTried(true);
            if (chosen) create.mutate({ facilityId: chosen, ttl: Number(ttl) });
          }}
        >
          <Stack gap="md">
            <Text size="sm">{t('agents.enrol.intro')}</Text>
            <Select
              label={t('agents.enrol.facility')}
              description={t('agents.enrol.facilityHelp')}
              placeholder={t('common.choose')}
              data={facilities.list.map((f) => ({ value: f.id, label: f.name }))}
              value={chosen}
              onChange={setFacilityId}
              disabled={!!ownFacility}
              searchable
              nothingFoundMessage={t('common.nothingFound')}
              error={tried && !chosen ? t('validation.choose') : undefined}
              withAsterisk
              data-testid="agent-token-facility"
            />
            <Input.Wrapper label={t('agents.enrol.ttl')} description={t('agents.enrol.ttlHelp')}>
              <SegmentedControl
                mt={6}
                data={TTL_CHOICES.map((v) => ({ value: v, label: t(`agents.enrol.ttlOptions.${v}`) }))}
                value={ttl}
                onChange={setTtl}
                data-testid="agent-token-ttl"
              />
            </Input.Wrapper>
            <ErrorAlert error={create.error} testId="agent-token-error" />
            <FormFooter
              onCancel={close}
              submitLabel={t('agents.enrol.create')}
              loading={create.isPending}
              testId="agent-token-create"
              leftSection={<IconKey size={16} />}
            />
          </Stack>
        </form>
      )}
    </Modal>
  );
}
