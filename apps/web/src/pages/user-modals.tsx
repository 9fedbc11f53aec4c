import {
  type CreateUserRequest,
  CreateUserRequestSchema,
  type CreateUserResponse,
  type Role,
  type UpdateUserRequest,
  UpdateUserRequestSchema,
  type User,
} from '@mamori/contracts';
import { Modal, MultiSelect, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { type UseFormReturnType, useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';
import { userApi } from '../api/endpoints.ts';
import { queryKeys, useFacilityDirectory, useRefreshAfterChange } from '../api/queries.ts';
import { useSession } from '../api/session.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { FormFooter } from '../components/form-footer.tsx';
import { OneTimeLinkPanel } from '../components/one-time-link.tsx';
import { serverFieldErrors } from '../lib/errors.ts';
import { grantableRoles, isAssignedRole, isFacilityRole } from '../lib/roles.ts';
import { validateWith } from '../lib/validation.ts';

type UserForm = {
  email: string;
  displayName: string;
  role: string | null;
  facilityId: string | null;
  assignedFacilityIds: string[];
  locale: string;
};

const blankForm = (role: Role | null, facilityId: string | null): UserForm => ({
  email: '',
  displayName: '',
  role,
  facilityId,
  assignedFacilityIds: [],
  locale: 'ja',
});

// Facility roles need a home facility; said at once, not only after the other fields are right.
const facilityCheck =
  (t: TFunction) =>
  (v: UserForm): Record<string, string> =>
    isFacilityRole(v.role as Role) && !v.facilityId ? { facilityId: t('validation.facilityRequired') } : {};

function RoleSelect({ roles, testId, ...rest }: { roles: Role[]; testId: string } & Record<string, unknown>) {
  const { t } = useTranslation();
  return (
    <Select
      label={t('users.form.role')}
      placeholder={t('common.choose')}
      required
      allowDeselect={false}
      data={roles.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
      renderOption={({ option }) => (
        <Stack gap={0}>
          <Text size="sm">{option.label}</Text>
          <Text size="xs" c="dimmed">
            {t(`roleHelp.${option.value}`)}
          </Text>
        </Stack>
      )}
      data-testid={testId}
      {...rest}
    />
  );
}

function FacilityFields({
  form,
  testIdPrefix,
  lockedFacility,
}: {
  form: UseFormReturnType<UserForm>;
  testIdPrefix: string;
  lockedFacility: boolean;
}) {
  const { t } = useTranslation();
  const { session } = useSession();
  const facilities = useFacilityDirectory();
  const options = facilities.list.map((f) => ({ value: f.id, label: f.name }));
  const role = form.values.role as Role | null;
  if (isFacilityRole(role)) {
    return (
      <Select
        label={t('users.form.facility')}
        description={t('users.form.facilityHelp')}
        placeholder={t('common.chooseOrType')}
        required
        searchable
        disabled={lockedFacility}
        data={options}
        nothingFoundMessage={t('common.nothingFound')}
        data-testid={`${testIdPrefix}-facility`}
        {...form.getInputProps('facilityId')}
      />
    );
  }
  if (isAssignedRole(role) && session?.user.role === 'region_admin') {
    return (
      <MultiSelect
        label={t('users.form.assigned')}
        description={t('users.form.assignedHelp')}
        placeholder={t('common.chooseOrType')}
        searchable
        data={options}
        nothingFoundMessage={t('common.nothingFound')}
        data-testid={`${testIdPrefix}-assigned`}
        {...form.getInputProps('assignedFacilityIds')}
      />
    );
  }
  if (role === 'region_admin') {
    return (
      <Text size="sm" c="dimmed">
        {t('users.form.regionWideHelp')}
      </Text>
    );
  }
  return null;
}

function LocaleSelect({ testId, ...rest }: { testId: string } & Record<string, unknown>) {
  const { t } = useTranslation();
  return (
    <Select
      label={t('users.form.locale')}
      allowDeselect={false}
      data={[
        { value: 'ja', label: '日本語' },
        { value: 'en', label: 'English' },
      ]}
      data-testid={testId}
      {...rest}
    />
  );
}

/** Invite a user: the roles the signed-in user may grant, then the one-time link shown once. */
export function InviteUserModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const refresh = useRefreshAfterChange(queryKeys.users);
  const actorRole = session?.user.role ?? 'facility_staff';
  const roles = grantableRoles(actorRole);
  // A facility administrator invites only into their own facility.
  const ownFacility = actorRole === 'facility_admin' ? (session?.user.facilityId ?? null) : null;
  const [created, setCreated] = useState<CreateUserResponse | null>(null);

  const toRequest = (v: UserForm): CreateUserRequest => ({
    email: v.email.trim(),
    displayName: v.displayName,
    role: (v.role ?? undefined) as Role,
    facilityId: isFacilityRole(v.role as Role) ? (v.facilityId ?? undefined) : undefined,
    assignedFacilityIds:
      isAssignedRole(v.role as Role) && actorRole === 'region_admin' ? v.assignedFacilityIds : undefined,
    locale: v.locale === 'en' ? 'en' : 'ja',
  });
  const form = useForm<UserForm>({
    initialValues: blankForm(null, ownFacility),
    validate: validateWith(CreateUserRequestSchema, toRequest, t, facilityCheck(t)),
  });
  const invite = useMutation({
    mutationFn: userApi.create,
    onSuccess: (res) => {
      setCreated(res);
      refresh();
    },
    onError: (err) => {
      const fields = serverFieldErrors(t, err);
      if (err instanceof ApiError && err.code === 'conflict') fields.email = t('errors.server.emailTaken');
      form.setErrors(fields);
    },
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: reset each time the modal opens
  useEffect(() => {
    if (!opened) return;
    setCreated(null);
    form.setValues(blankForm(roles.length === 1 ? (roles[0] ?? null) : null, ownFacility));
    form.clearErrors();
    invite.reset();
  }, [opened]);

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={t(created ? 'users.inviteDoneTitle' : 'users.inviteTitle')}
      size="lg"
      closeOnClickOutside={!created}
      data-testid="invite-modal"
    >
      {created ? (
        <OneTimeLinkPanel
          link={created.invitation}
          kind="invite"
          name={created.user.displayName}
          testIdPrefix="invite"
          onDone={onClose}
        />
      ) : (
        <form onSubmit={form.onSubmit((v) => invite.mutate(toRequest(v)))} noValidate>
          <Stack gap="md">
            <Text size="sm" c="dimmed">
              {t('users.inviteIntro')}
            </Text>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <TextInput
                label={t('users.form.name')}
                placeholder={t('users.form.namePlaceholder')}
                required
                data-autofocus
                data-testid="invite-name"
                {...form.getInputProps('displayName')}
              />
              <TextInput
                label={t('users.form.email')}
                type="email"
                required
                data-testid="invite-email"
                {...form.getInputProps('email')}
              />
            </SimpleGrid>
            <RoleSelect roles={roles} testId="invite-role" {...form.getInputProps('role')} />
            <FacilityFields form={form} testIdPrefix="invite" lockedFacility={!!ownFacility} />
            <LocaleSelect testId="invite-locale" {...form.getInputProps('locale')} />
            <ErrorAlert error={invite.error} testId="invite-error" overrides={{ invalid: 'errors.fixFields' }} />
            <FormFooter
              onCancel={onClose}
              submitLabel={t('users.form.submitInvite')}
              loading={invite.isPending}
              testId="invite-submit"
            />
          </Stack>
        </form>
      )}
    </Modal>
  );
}

/** Change a user's name, role, facility, assignments or language (own role and facility are fixed). */
export function EditUserModal({ user, onClose }: { user: User | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const refresh = useRefreshAfterChange(queryKeys.users);
  const actorRole = session?.user.role ?? 'facility_staff';
  const isSelf = !!user && user.id === session?.user.id;
  const roles = grantableRoles(actorRole);

  const toRequest = (v: UserForm): UpdateUserRequest => {
    if (!user) return {};
    const req: UpdateUserRequest = {};
    if (v.displayName !== user.displayName) req.displayName = v.displayName;
    if (v.locale !== user.locale) req.locale = v.locale === 'en' ? 'en' : 'ja';
    if (isSelf) return req;
    const role = v.role as Role;
    if (role !== user.role) req.role = role;
    const facilityId = isFacilityRole(role) ? v.facilityId : null;
    if (facilityId !== user.facilityId) req.facilityId = facilityId;
    if (isAssignedRole(role) && actorRole === 'region_admin') {
      const before = [...user.assignedFacilityIds].sort().join();
      if ([...v.assignedFacilityIds].sort().join() !== before) req.assignedFacilityIds = v.assignedFacilityIds;
    } else if (user.assignedFacilityIds.length && actorRole === 'region_admin' && !isAssignedRole(role)) {
      req.assignedFacilityIds = [];
    }
    return req;
  };
  const form = useForm<UserForm>({
    initialValues: blankForm(null, null),
    validate: (v) => {
      const req = toRequest(v);
      // Nothing changed is not an error: saving then simply closes the dialog.
      if (Object.keys(req).length === 0) return facilityCheck(t)(v);
      return validateWith(UpdateUserRequestSchema, () => req, t, facilityCheck(t))(v);
    },
  });
  const save = useMutation({
    mutationFn: (req: UpdateUserRequest) =>
      user ? userApi.update(user.id, req) : Promise.reject(new Error('no user')),
    onSuccess: (saved) => {
      refresh();
      notifications.show({ color: 'teal', message: t('users.updated', { name: saved.displayName }) });
      onClose();
    },
    onError: (err) => form.setErrors(serverFieldErrors(t, err)),
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: reload the form when another user is opened
  useEffect(() => {
    if (!user) return;
    form.setValues({
      email: user.email,
      displayName: user.displayName,
      role: user.role,
      facilityId: user.facilityId,
      assignedFacilityIds: user.assignedFacilityIds,
      locale: user.locale,
    });
    form.clearErrors();
    save.reset();
  }, [user]);

  const submit = (v: UserForm) => {
    const req = toRequest(v);
    if (Object.keys(req).length === 0) onClose();
    else save.mutate(req);
  };
  const roleChanged = !!user && form.values.role !== user.role;

  return (
    <Modal opened={!!user} onClose={onClose} title={t('users.editTitle')} size="lg" data-testid="user-form">
      <form onSubmit={form.onSubmit(submit)} noValidate>
        <Stack gap="md">
          <TextInput label={t('users.form.email')} value={user?.email ?? ''} readOnly variant="filled" />
          <TextInput
            label={t('users.form.name')}
            required
            data-autofocus
            data-testid="user-form-name"
            {...form.getInputProps('displayName')}
          />
          {isSelf ? (
            <Text size="sm" c="dimmed">
              {t('users.cannotEditSelf')}
            </Text>
          ) : (
            <>
              <RoleSelect roles={roles} testId="user-form-role" {...form.getInputProps('role')} />
              {roleChanged && (
                <Text size="xs" c="orange.8">
                  {t('users.roleChangeNote')}
                </Text>
              )}
              <FacilityFields form={form} testIdPrefix="user-form" lockedFacility={actorRole === 'facility_admin'} />
            </>
          )}
          <LocaleSelect testId="user-form-locale" {...form.getInputProps('locale')} />
          <ErrorAlert error={save.error} testId="user-form-error" overrides={{ invalid: 'errors.fixFields' }} />
          <FormFooter
            onCancel={onClose}
            submitLabel={t('common.save')}
            loading={save.isPending}
            testId="user-form-submit"
          />
        </Stack>
      </form>
    </Modal>
  );
}
