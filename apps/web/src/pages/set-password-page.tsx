import { PasswordSchema } from '@mamori/contracts';
import { Alert, Anchor, Button, Stack, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { z } from 'zod';
import { ApiError } from '../api/client.ts';
import { authApi } from '../api/endpoints.ts';
import { AuthLayout } from '../components/auth-layout.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { PageLoader } from '../components/page-loader.tsx';
import { PasswordFields, passwordsMatch } from '../components/password-fields.tsx';
import { currentLang } from '../i18n/index.ts';
import { serverFieldErrors } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { validateWith } from '../lib/validation.ts';

const PasswordOnlySchema = z.object({ password: PasswordSchema });
type PasswordForm = { password: string; passwordConfirm: string };

/** An invitation or reset link: greets the person by name and lets them choose a password. */
export function SetPasswordPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const info = useQuery({
    queryKey: ['one-time-token', token],
    queryFn: () => authApi.oneTimeToken(token),
    enabled: token.length >= 20,
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const form = useForm<PasswordForm>({
    initialValues: { password: '', passwordConfirm: '' },
    validate: validateWith(PasswordOnlySchema, (v: PasswordForm) => ({ password: v.password }), t, passwordsMatch(t)),
  });
  const submit = useMutation({
    mutationFn: (password: string) => authApi.setPassword(token, password),
    onSuccess: () => navigate('/login?reason=password_set', { replace: true }),
    onError: (err) => form.setErrors(serverFieldErrors(t, err)),
  });

  const tokenRejected = submit.error instanceof ApiError && submit.error.fields.some((f) => f.path.endsWith('token'));

  if (token.length < 20) {
    return (
      <AuthLayout title={t('setPassword.titleInvite')}>
        <Alert color="yellow" data-testid="set-password-invalid">
          {t('setPassword.noToken')}
        </Alert>
      </AuthLayout>
    );
  }
  if (info.isLoading) return <PageLoader minHeight="100vh" />;
  if (info.error || !info.data) {
    return (
      <AuthLayout title={t('setPassword.titleInvite')}>
        <ErrorAlert
          error={info.error}
          testId="set-password-invalid"
          overrides={{ invalid: 'setPassword.invalidLink' }}
        />
        <Anchor component={Link} to="/login" size="sm">
          {t('setPassword.toLogin')}
        </Anchor>
      </AuthLayout>
    );
  }

  const { purpose, displayName, email, expiresAt } = info.data;
  const isInvite = purpose === 'invite';
  return (
    <AuthLayout title={t(isInvite ? 'setPassword.titleInvite' : 'setPassword.titleReset')} width={500}>
      <Text data-testid="set-password-greeting">
        {t(isInvite ? 'setPassword.greetingInvite' : 'setPassword.greetingReset', { name: displayName })}
      </Text>
      <Stack gap={2}>
        <Text size="sm">{t('setPassword.account', { email })}</Text>
        <Text size="xs" c="dimmed">
          {t('setPassword.expires', { date: formatDateTime(expiresAt, currentLang()) })}
        </Text>
      </Stack>
      <form onSubmit={form.onSubmit((v) => submit.mutate(v.password))} noValidate>
        <Stack gap="md">
          <PasswordFields form={form} testIdPrefix="set-password" />
          <ErrorAlert
            error={submit.error}
            testId="set-password-error"
            overrides={tokenRejected ? undefined : { invalid: 'errors.fixFields' }}
          />
          <Button type="submit" loading={submit.isPending} size="md" data-testid="set-password-submit">
            {t('setPassword.submit')}
          </Button>
          <Text size="xs" c="dimmed">
            {t(isInvite ? 'setPassword.nextInvite' : 'setPassword.nextReset')}
          </Text>
        </Stack>
      </form>
    </AuthLayout>
  );
}
