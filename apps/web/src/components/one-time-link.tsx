import type { OneTimeLink } from '@mamori/contracts';
import { Alert, Button, CopyButton, Group, Stack, Text, TextInput } from '@mantine/core';
import { IconCheck, IconCopy, IconShieldLock } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { currentLang } from '../i18n/index.ts';
import { formatDateTime } from '../lib/format.ts';

/** A one-time invitation or reset link, shown once, with a copy button and how to pass it on. */
export function OneTimeLinkPanel({
  link,
  kind,
  name,
  testIdPrefix,
  onDone,
}: {
  link: OneTimeLink;
  kind: 'invite' | 'reset';
  name: string;
  testIdPrefix: 'invite' | 'reset';
  onDone: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Stack gap="md">
      <Text size="sm">{t(kind === 'invite' ? 'oneTimeLink.forInvite' : 'oneTimeLink.forReset', { name })}</Text>
      <Group gap="xs" align="flex-end" wrap="nowrap">
        <TextInput
          value={link.url}
          readOnly
          label={t('oneTimeLink.label')}
          style={{ flex: 1 }}
          onFocus={(e) => e.currentTarget.select()}
          data-testid={`${testIdPrefix}-link`}
        />
        <CopyButton value={link.url}>
          {({ copied, copy }) => (
            <Button
              color={copied ? 'teal' : 'blue'}
              leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
              onClick={copy}
              data-testid={`${testIdPrefix}-copy`}
            >
              {copied ? t('common.copied') : t('common.copy')}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Alert
        color="blue"
        icon={<IconShieldLock />}
        title={t(kind === 'invite' ? 'oneTimeLink.howInvite' : 'oneTimeLink.howReset')}
      >
        <Stack gap={4}>
          <Text size="sm">{t('oneTimeLink.safeWays')}</Text>
          <Text size="sm">{t('oneTimeLink.expires', { date: formatDateTime(link.expiresAt, currentLang()) })}</Text>
          <Text size="sm" fw={600}>
            {t('oneTimeLink.once')}
          </Text>
        </Stack>
      </Alert>
      <Group justify="flex-end">
        <Button onClick={onDone} data-testid={`${testIdPrefix}-done`}>
          {t('common.close')}
        </Button>
      </Group>
    </Stack>
  );
}
