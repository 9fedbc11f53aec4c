import { Box, Center, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LangSwitch } from './lang-switch.tsx';
import { Logo } from './logo.tsx';

/** The frame of the sign-in steps: product mark, language switch and one card. */
export function AuthLayout({
  title,
  intro,
  width = 460,
  children,
}: {
  title: string;
  intro?: ReactNode;
  width?: number;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  useDocumentTitle(`${title} | Mamori`);
  return (
    <Box mih="100vh" bg="var(--mantine-color-gray-0)" py="xl" px="md">
      <Center>
        <Stack w="100%" maw={width} gap="md">
          <Group justify="space-between">
            <Logo size={32} />
            <LangSwitch />
          </Group>
          <Paper withBorder shadow="sm" radius="lg" p="xl">
            <Stack gap="md">
              <Title order={2} fz="h3">
                {title}
              </Title>
              {intro && (
                <Text size="sm" c="dimmed">
                  {intro}
                </Text>
              )}
              {children}
            </Stack>
          </Paper>
          <Text size="xs" c="dimmed" ta="center">
            {t('app.tagline')}
          </Text>
        </Stack>
      </Center>
    </Box>
  );
}
