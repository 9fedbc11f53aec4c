import { type MfaSetupResponse, MfaVerifyRequestSchema } from '@mamori/contracts';
import {
  Anchor,
  Box,
  Button,
  Code,
  CopyButton,
  Group,
  Image,
  List,
  Paper,
  Skeleton,
  Stack,
  Text,
  ThemeIcon,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import QRCode from 'qrcode';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { authApi } from '../api/endpoints.ts';
import { pathForState, useSession } from '../api/session.tsx';
import { AuthLayout } from '../components/auth-layout.tsx';
import { CodeInput } from '../components/code-input.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { PendingGuard } from '../components/pending-guard.tsx';
import { validateWith } from '../lib/validation.ts';

/** Authenticator-app enrolment, explained step by step for someone who has never done it. */
export function MfaSetupPage() {
  return (
    <PendingGuard state="mfa_setup_required">
      <MfaSetup />
    </PendingGuard>
  );
}

/** "JBSWY3DPEHPK3PXP" → "JBSW Y3DP EHPK 3PXP" so it can be typed without losing one's place. */
const groupKey = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

function Step({ n, title, children }: { n: number; title: string; children?: ReactNode }) {
  return (
    <Group align="flex-start" wrap="nowrap" gap="sm">
      <ThemeIcon radius="xl" size={28} variant="filled">
        <Text fw={700} size="sm">
          {n}
        </Text>
      </ThemeIcon>
      <Stack gap={6} style={{ flex: 1 }}>
        <Text fw={600}>{title}</Text>
        {children}
      </Stack>
    </Group>
  );
}

function MfaSetup() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const { session, setSession, signOut } = useSession();
  const [enrolment, setEnrolment] = useState<MfaSetupResponse | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const started = useRef(false);

  // Starting twice would replace the secret behind the QR code shown, so start exactly once.
  const start = useMutation({
    mutationFn: authApi.mfaSetup,
    onSuccess: async (r) => {
      setEnrolment(r);
      setQr(await QRCode.toDataURL(r.otpauthUrl, { margin: 1, width: 220, errorCorrectionLevel: 'M' }));
    },
  });
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    start.mutate();
  }, [start]);

  const form = useForm({
    initialValues: { code: '' },
    validate: validateWith(MfaVerifyRequestSchema, (v: { code: string }) => v, t),
  });
  const enable = useMutation({
    mutationFn: authApi.mfaEnable,
    onSuccess: (s) => {
      setSession(s);
      notifications.show({ color: 'teal', message: t('mfaSetup.done') });
      navigate(pathForState(s.state, params.get('next')), { replace: true });
    },
    onError: () => form.setFieldValue('code', ''),
  });

  return (
    <AuthLayout title={t('mfaSetup.title')} intro={t('mfaSetup.intro')} width={600}>
      <ErrorAlert error={start.error} testId="mfa-setup-error" />
      <Step n={1} title={t('mfaSetup.step1')}>
        <Text size="sm" c="dimmed">
          {t('mfaSetup.step1Detail')}
        </Text>
      </Step>
      <Step n={2} title={t('mfaSetup.step2')}>
        <Text size="sm" c="dimmed">
          {t('mfaSetup.step2Detail')}
        </Text>
        <Group align="flex-start" gap="lg" wrap="wrap">
          <Paper withBorder p={6} radius="md" w={232} h={232}>
            {qr ? (
              <Image src={qr} alt={t('mfaSetup.qrAlt')} w={220} h={220} data-testid="mfa-setup-qr" />
            ) : (
              <Skeleton w={220} h={220} />
            )}
          </Paper>
          <Stack gap={6} style={{ flex: 1, minWidth: 200 }}>
            <Text size="sm">{t('mfaSetup.manual')}</Text>
            <Text size="xs" c="dimmed">
              {t('mfaSetup.keyLabel')}
            </Text>
            {enrolment ? (
              <>
                <Code
                  block
                  fz="md"
                  data-testid="mfa-setup-secret"
                  style={{ whiteSpace: 'normal', wordBreak: 'normal' }}
                >
                  {groupKey(enrolment.secret)}
                </Code>
                <CopyButton value={enrolment.secret}>
                  {({ copied, copy }) => (
                    <Button
                      size="compact-sm"
                      variant="light"
                      color={copied ? 'teal' : 'blue'}
                      onClick={copy}
                      style={{ alignSelf: 'flex-start' }}
                    >
                      {copied ? t('common.copied') : t('mfaSetup.copyKey')}
                    </Button>
                  )}
                </CopyButton>
              </>
            ) : (
              <Skeleton h={30} />
            )}
            <List size="xs" c="dimmed" spacing={2}>
              <List.Item>{t('mfaSetup.accountName', { email: session?.user.email ?? '' })}</List.Item>
              <List.Item>{t('mfaSetup.keyType')}</List.Item>
            </List>
          </Stack>
        </Group>
      </Step>
      <Step n={3} title={t('mfaSetup.step3')}>
        <form onSubmit={form.onSubmit((v) => enable.mutate(v.code))} noValidate>
          <Stack gap="sm">
            <Box maw={260}>
              <CodeInput
                aria-label={t('mfa.code')}
                data-testid="mfa-code"
                value={form.values.code}
                onChange={(v) => form.setFieldValue('code', v)}
                error={form.errors.code}
              />
            </Box>
            <ErrorAlert
              error={enable.error}
              testId="mfa-error"
              overrides={{ invalid: 'mfa.incorrect', rate_limited: 'login.rateLimited' }}
            />
            <Group>
              <Button type="submit" loading={enable.isPending} disabled={!enrolment} size="md" data-testid="mfa-submit">
                {t('mfaSetup.submit')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Step>
      <Anchor
        component="button"
        type="button"
        size="sm"
        onClick={() => void signOut('signed_out')}
        data-testid="mfa-signout"
      >
        {t('mfa.otherAccount')}
      </Anchor>
    </AuthLayout>
  );
}
