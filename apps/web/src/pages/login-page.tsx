import { type LoginRequest, LoginRequestSchema } from '@mamori/contracts';
import { Alert, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconInfoCircle } from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { authApi } from '../api/endpoints.ts';
import { pathForState, safeNext, useSession } from '../api/session.tsx';
import { AuthLayout } from '../components/auth-layout.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { validateWith } from '../lib/validation.ts';

const NOTICES: Record<string, { key: string; color: string }> = {
  expired: { key: 'login.expired', color: 'yellow' },
  idle: { key: 'login.idle', color: 'yellow' },
  signed_out: { key: 'login.signedOut', color: 'blue' },
  password_set: { key: 'login.passwordSet', color: 'green' },
};

/** Sign-in with e-mail and password; the second step follows on its own page. */
export function LoginPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const { session, setSession } = useSession();
  const next = safeNext(params.get('next'));
  const notice = NOTICES[params.get('reason') ?? ''];
  const setupStatus = useQuery({ queryKey: ['setup-status'], queryFn: authApi.setupStatus, staleTime: 0 });

  useEffect(() => {
    if (session) navigate(pathForState(session.state, next), { replace: true });
  }, [session, navigate, next]);

  const form = useForm<LoginRequest>({
    initialValues: { email: '', password: '' },
    validate: validateWith(LoginRequestSchema, (v: LoginRequest) => ({ ...v, email: v.email.trim() }), t),
  });
  const login = useMutation({
    mutationFn: authApi.login,
    onSuccess: (s) => {
      setSession(s);
      navigate(pathForState(s.state, next), { replace: true });
    },
  });

  return (
    <AuthLayout title={t('login.title')}>
      {setupStatus.data?.needsBootstrap && (
        <Alert color="blue" icon={<IconInfoCircle />} data-testid="login-needs-setup">
          {t('login.needsSetup')}
        </Alert>
      )}
      {notice && !login.isPending && !login.error && (
        <Alert color={notice.color} data-testid="login-notice">
          {t(notice.key)}
        </Alert>
      )}
      <form onSubmit={form.onSubmit((values) => login.mutate({ ...values, email: values.email.trim() }))} noValidate>
        <Stack gap="md">
          <TextInput
            label={t('login.email')}
            type="email"
            autoComplete="username"
            required
            data-testid="login-email"
            {...form.getInputProps('email')}
          />
          <PasswordInput
            label={t('login.password')}
            autoComplete="current-password"
            required
            data-testid="login-password"
            {...form.getInputProps('password')}
          />
          <ErrorAlert
            error={login.error}
            testId="login-error"
            overrides={{
              unauthenticated: 'login.badCredentials',
              locked: 'login.locked',
              rate_limited: 'login.rateLimited',
            }}
          />
          <Button type="submit" loading={login.isPending} fullWidth size="md" data-testid="login-submit">
            {t('login.submit')}
          </Button>
          <Text size="xs" c="dimmed">
            {t('login.forgot')}
          </Text>
        </Stack>
      </form>
    </AuthLayout>
  );
}
