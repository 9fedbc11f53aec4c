import { BootstrapRequestSchema } from '@mamori/contracts';
import { Alert, Anchor, Button, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError } from '../api/client.ts';
import { authApi } from '../api/endpoints.ts';
import { pathForState, useSession } from '../api/session.tsx';
import { AuthLayout } from '../components/auth-layout.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { PageLoader } from '../components/page-loader.tsx';
import { PasswordFields, passwordsMatch } from '../components/password-fields.tsx';
import { serverFieldErrors } from '../lib/errors.ts';
import { validateWith } from '../lib/validation.ts';

type SetupForm = {
  organisationName: string;
  displayName: string;
  email: string;
  password: string;
  passwordConfirm: string;
};

/** First run: creates the first region administrator with the token printed at server start. */
export function SetupPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const { setSession } = useSession();
  const status = useQuery({ queryKey: ['setup-status'], queryFn: authApi.setupStatus, staleTime: 0 });

  const toRequest = (v: SetupForm) => ({
    token,
    organisationName: v.organisationName,
    displayName: v.displayName,
    email: v.email.trim(),
    password: v.password,
  });
  const form = useForm<SetupForm>({
    initialValues: { organisationName: '', displayName: '', email: '', password: '', passwordConfirm: '' },
    validate: validateWith(BootstrapRequestSchema, toRequest, t, passwordsMatch(t)),
  });
  const bootstrap = useMutation({
    mutationFn: authApi.bootstrap,
    onSuccess: (s) => {
      setSession(s);
      navigate(pathForState(s.state), { replace: true });
    },
    onError: (err) => form.setErrors(serverFieldErrors(t, err)),
  });
  const tokenRejected =
    bootstrap.error instanceof ApiError && bootstrap.error.fields.some((f) => f.path.endsWith('token'));

  if (status.isLoading) return <PageLoader minHeight="100vh" />;

  if (status.data && !status.data.needsBootstrap) {
    return (
      <AuthLayout title={t('setup.title')}>
        <Alert color="blue" data-testid="setup-done-already">
          {t('setup.alreadyDone')}
        </Alert>
        <Anchor component={Link} to="/login">
          {t('setup.toLogin')}
        </Anchor>
      </AuthLayout>
    );
  }

  if (!token || tokenRejected) {
    return (
      <AuthLayout title={t('setup.title')}>
        <Alert color="yellow" data-testid="setup-no-token">
          {tokenRejected ? t('setup.tokenRejected') : t('setup.noToken')}
        </Alert>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title={t('setup.title')} intro={t('setup.intro')} width={520}>
      <form onSubmit={form.onSubmit((v) => bootstrap.mutate(toRequest(v)))} noValidate>
        <Stack gap="md">
          <TextInput
            label={t('setup.organisation')}
            description={t('setup.organisationHelp')}
            placeholder={t('setup.organisationPlaceholder')}
            required
            data-testid="setup-organisation"
            {...form.getInputProps('organisationName')}
          />
          <TextInput
            label={t('setup.name')}
            placeholder={t('setup.namePlaceholder')}
            autoComplete="name"
            required
            data-testid="setup-name"
            {...form.getInputProps('displayName')}
          />
          <TextInput
            label={t('setup.email')}
            type="email"
            autoComplete="username"
            required
            data-testid="setup-email"
            {...form.getInputProps('email')}
          />
          <PasswordFields form={form} testIdPrefix="setup" />
          <ErrorAlert error={bootstrap.error} testId="setup-error" overrides={{ invalid: 'errors.fixFields' }} />
          <Button type="submit" loading={bootstrap.isPending} size="md" data-testid="setup-submit">
            {t('setup.submit')}
          </Button>
          <Text size="xs" c="dimmed">
            {t('setup.next')}
          </Text>
        </Stack>
      </form>
    </AuthLayout>
  );
}
