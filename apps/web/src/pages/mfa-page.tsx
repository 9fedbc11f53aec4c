import { MfaVerifyRequestSchema } from '@mamori/contracts';
import { Anchor, Button, Stack, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { authApi } from '../api/endpoints.ts';
import { pathForState, useSession } from '../api/session.tsx';
import { AuthLayout } from '../components/auth-layout.tsx';
import { CodeInput } from '../components/code-input.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { PendingGuard } from '../components/pending-guard.tsx';
import { validateWith } from '../lib/validation.ts';

/** The second sign-in step: the six-digit code from the authenticator app. */
export function MfaPage() {
  return (
    <PendingGuard state="mfa_required">
      <MfaForm />
    </PendingGuard>
  );
}

function MfaForm() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const { session, setSession, signOut } = useSession();
  const form = useForm({
    initialValues: { code: '' },
    validate: validateWith(MfaVerifyRequestSchema, (v: { code: string }) => v, t),
  });
  const verify = useMutation({
    mutationFn: authApi.mfaVerify,
    onSuccess: (s) => {
      setSession(s);
      navigate(pathForState(s.state, params.get('next')), { replace: true });
    },
    onError: () => form.setFieldValue('code', ''),
  });

  return (
    <AuthLayout title={t('mfa.title')} intro={t('mfa.intro')}>
      <form onSubmit={form.onSubmit((v) => verify.mutate(v.code))} noValidate>
        <Stack gap="md">
          <Text size="sm">{t('mfa.account', { email: session?.user.email ?? '' })}</Text>
          <CodeInput
            label={t('mfa.code')}
            data-testid="mfa-code"
            autoFocus
            value={form.values.code}
            onChange={(v) => form.setFieldValue('code', v)}
            error={form.errors.code}
          />
          <ErrorAlert
            error={verify.error}
            testId="mfa-error"
            overrides={{ invalid: 'mfa.incorrect', rate_limited: 'login.rateLimited' }}
          />
          <Button type="submit" loading={verify.isPending} size="md" data-testid="mfa-submit">
            {t('mfa.submit')}
          </Button>
          <Text size="xs" c="dimmed">
            {t('mfa.lost')}
          </Text>
          <Anchor
            component="button"
            type="button"
            size="sm"
            onClick={() => void signOut('signed_out')}
            data-testid="mfa-signout"
          >
            {t('mfa.otherAccount')}
          </Anchor>
        </Stack>
      </form>
    </AuthLayout>
  );
}
