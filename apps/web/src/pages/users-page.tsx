import { MFA_REQUIRED_ROLES, type OneTimeLink, RoleSchema, type User } from '@mamori/contracts';
import { ActionIcon, Badge, Button, Card, Menu, Modal, Table, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import {
  IconDots,
  IconKey,
  IconLockOpen,
  IconPencil,
  IconShieldOff,
  IconUserCheck,
  IconUserOff,
  IconUserPlus,
} from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { userApi } from '../api/endpoints.ts';
import { queryKeys, useFacilityDirectory, useRefreshAfterChange } from '../api/queries.ts';
import { useSession } from '../api/session.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { FacilityFilter, FilterBar, SearchFilter, SelectFilter } from '../components/list-filters.tsx';
import { OneTimeLinkPanel } from '../components/one-time-link.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { QueryTable } from '../components/query-table.tsx';
import { currentLang } from '../i18n/index.ts';
import { formatDateTime } from '../lib/format.ts';
import { canManageUser } from '../lib/roles.ts';
import { usePagedQuery } from '../lib/use-paged-query.ts';
import { EditUserModal, InviteUserModal } from './user-modals.tsx';

const PAGE_SIZE = 20;

type ActionKind = 'disable' | 'enable' | 'resetPassword' | 'resetMfa' | 'unlock';

const ACTION_COLOR: Record<ActionKind, string> = {
  disable: 'red',
  enable: 'blue',
  resetPassword: 'orange',
  resetMfa: 'orange',
  unlock: 'blue',
};

function StatusBadge({ user }: { user: User }) {
  const { t } = useTranslation();
  if (user.disabled) return <Badge color="gray">{t('users.status.disabled')}</Badge>;
  if (user.locked) return <Badge color="red">{t('users.status.locked')}</Badge>;
  if (!user.hasPassword) return <Badge color="yellow">{t('users.status.invited')}</Badge>;
  return <Badge color="teal">{t('users.status.active')}</Badge>;
}

/** Users and roles: list, invite, edit, and the account actions an administrator takes for someone. */
export function UsersPage() {
  const { t } = useTranslation();
  const lang = currentLang();
  const { session, can } = useSession();
  const refresh = useRefreshAfterChange(queryKeys.users);
  const facilities = useFacilityDirectory();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [role, setRole] = useState<string | null>(null);
  const [facilityId, setFacilityId] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const [inviteOpen, setInviteOpen] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const [pending, setPending] = useState<{ kind: ActionKind; user: User } | null>(null);
  const [resetLink, setResetLink] = useState<{ link: OneTimeLink; user: User } | null>(null);

  const filters = {
    q: q || undefined,
    role: (role ?? undefined) as User['role'] | undefined,
    facilityId: facilityId ?? undefined,
  };
  const {
    query: list,
    total,
    pagination,
  } = usePagedQuery({
    queryKey: [...queryKeys.users, 'list', filters],
    fetchPage: (paging) => userApi.list({ ...filters, ...paging }),
    page,
    pageSize: PAGE_SIZE,
    onPage: setPage,
  });

  const action = useMutation({
    mutationFn: async ({ kind, user }: { kind: ActionKind; user: User }) => {
      switch (kind) {
        case 'disable':
          return userApi.update(user.id, { disabled: true });
        case 'enable':
          return userApi.update(user.id, { disabled: false });
        case 'resetPassword':
          return userApi.resetPassword(user.id);
        case 'resetMfa':
          return userApi.resetMfa(user.id);
        case 'unlock':
          return userApi.unlock(user.id);
      }
    },
    onSuccess: (result, { kind, user }) => {
      refresh();
      setPending(null);
      if (kind === 'resetPassword') {
        setResetLink({ link: result as OneTimeLink, user });
        return;
      }
      notifications.show({ color: 'teal', message: t(`users.done.${kind}`, { name: user.displayName }) });
    },
  });
  const ask = (kind: ActionKind, user: User) => {
    action.reset();
    setPending({ kind, user });
  };

  const facilityLabel = (u: User): string => {
    if (u.facilityId) return facilities.byId.get(u.facilityId)?.name ?? t('common.unknown');
    if (u.role === 'region_admin') return t('users.regionWide');
    if (u.assignedFacilityIds.length) return t('users.assignedCount', { count: u.assignedFacilityIds.length });
    return t('users.noFacility');
  };

  return (
    <>
      <PageHeader
        title={t('users.title')}
        description={t('users.description')}
        actions={
          can('user:manage') && (
            <Button
              leftSection={<IconUserPlus size={18} />}
              onClick={() => setInviteOpen(true)}
              data-testid="user-invite"
            >
              {t('users.invite')}
            </Button>
          )
        }
      />
      <Card withBorder radius="md" padding="md">
        <FilterBar total={t('common.totalPeople', { count: total })}>
          <SearchFilter
            label={t('users.search')}
            placeholder={t('users.searchPlaceholder')}
            value={search}
            onChange={(v) => {
              setSearch(v);
              setPage(1);
            }}
            testId="user-search"
          />
          <SelectFilter
            label={t('users.filterRole')}
            data={RoleSchema.options.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
            value={role}
            onChange={(v) => {
              setRole(v);
              setPage(1);
            }}
            width={200}
            testId="user-filter-role"
          />
          <FacilityFilter
            label={t('users.filterFacility')}
            value={facilityId}
            onChange={(v) => {
              setFacilityId(v);
              setPage(1);
            }}
            testId="user-filter-facility"
          />
        </FilterBar>

        <QueryTable
          pagination={{ ...pagination, testId: 'user-pagination' }}
          query={list}
          emptyText={t('users.empty')}
          minWidth={960}
          testId="user-table"
          striped
          highlightOnHover
          head={
            <>
              <Table.Th>{t('users.columns.name')}</Table.Th>
              <Table.Th>{t('users.columns.role')}</Table.Th>
              <Table.Th>{t('users.columns.facility')}</Table.Th>
              <Table.Th>{t('users.columns.mfa')}</Table.Th>
              <Table.Th>{t('users.columns.status')}</Table.Th>
              <Table.Th>{t('users.columns.lastLogin')}</Table.Th>
              <Table.Th w={60} />
            </>
          }
        >
          {list.data?.items.map((u) => {
            const isSelf = u.id === session?.user.id;
            const manageable = !!session && canManageUser(session, u);
            const mfaNeeded = MFA_REQUIRED_ROLES.includes(u.role);
            return (
              <Table.Tr key={u.id} data-testid="user-row" data-user-email={u.email}>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {u.displayName}
                    {isSelf && (
                      <Text span size="xs" c="dimmed" fw={400}>
                        {' '}
                        {t('users.self')}
                      </Text>
                    )}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {u.email}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" radius="sm" style={{ textTransform: 'none' }}>
                    {t(`roles.${u.role}`)}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{facilityLabel(u)}</Text>
                </Table.Td>
                <Table.Td>
                  {u.mfaEnabled ? (
                    <Badge color="teal" variant="light">
                      {t('users.mfaOn')}
                    </Badge>
                  ) : (
                    <Badge color={mfaNeeded ? 'orange' : 'gray'} variant="light">
                      {t('users.mfaOff')}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>
                  <StatusBadge user={u} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                    {u.lastLoginAt ? formatDateTime(u.lastLoginAt, lang) : t('users.never')}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {manageable && (
                    <Menu position="bottom-end" withinPortal shadow="md" width={240}>
                      <Menu.Target>
                        <ActionIcon
                          variant="subtle"
                          color="gray"
                          aria-label={t('users.actions.menu')}
                          data-testid="user-actions"
                        >
                          <IconDots size={18} />
                        </ActionIcon>
                      </Menu.Target>
                      <Menu.Dropdown>
                        <Menu.Item
                          leftSection={<IconPencil size={16} />}
                          onClick={() => setEditing(u)}
                          data-testid="user-action-edit"
                        >
                          {t('users.actions.edit')}
                        </Menu.Item>
                        {!isSelf && (
                          <>
                            <Menu.Item
                              leftSection={<IconKey size={16} />}
                              onClick={() => ask('resetPassword', u)}
                              data-testid="user-action-reset-password"
                            >
                              {t('users.actions.resetPassword')}
                            </Menu.Item>
                            {u.mfaEnabled && (
                              <Menu.Item
                                leftSection={<IconShieldOff size={16} />}
                                onClick={() => ask('resetMfa', u)}
                                data-testid="user-action-reset-mfa"
                              >
                                {t('users.actions.resetMfa')}
                              </Menu.Item>
                            )}
                            {u.locked && (
                              <Menu.Item
                                leftSection={<IconLockOpen size={16} />}
                                onClick={() => ask('unlock', u)}
                                data-testid="user-action-unlock"
                              >
                                {t('users.actions.unlock')}
                              </Menu.Item>
                            )}
                            <Menu.Divider />
                            {u.disabled ? (
                              <Menu.Item
                                leftSection={<IconUserCheck size={16} />}
                                onClick={() => ask('enable', u)}
                                data-testid="user-action-enable"
                              >
                                {t('users.actions.enable')}
                              </Menu.Item>
                            ) : (
                              <Menu.Item
                                color="red"
                                leftSection={<IconUserOff size={16} />}
                                onClick={() => ask('disable', u)}
                                data-testid="user-action-disable"
                              >
                                {t('users.actions.disable')}
                              </Menu.Item>
                            )}
                          </>
                        )}
                      </Menu.Dropdown>
                    </Menu>
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </QueryTable>
      </Card>

      <InviteUserModal opened={inviteOpen} onClose={() => setInviteOpen(false)} />
      <EditUserModal user={editing} onClose={() => setEditing(null)} />
      <ConfirmDialog
        opened={!!pending}
        title={pending ? t(`users.confirm.${pending.kind}Title`) : ''}
        body={pending ? t(`users.confirm.${pending.kind}Body`, { name: pending.user.displayName }) : ''}
        confirmLabel={pending ? t(`users.confirm.${pending.kind}Ok`) : ''}
        color={pending ? ACTION_COLOR[pending.kind] : 'blue'}
        loading={action.isPending}
        error={action.error}
        onConfirm={() => pending && action.mutate(pending)}
        onClose={() => setPending(null)}
      />
      <Modal
        opened={!!resetLink}
        onClose={() => setResetLink(null)}
        title={t('users.resetDoneTitle')}
        size="lg"
        closeOnClickOutside={false}
        data-testid="reset-modal"
      >
        {resetLink && (
          <OneTimeLinkPanel
            link={resetLink.link}
            kind="reset"
            name={resetLink.user.displayName}
            testIdPrefix="reset"
            onDone={() => setResetLink(null)}
          />
        )}
      </Modal>
    </>
  );
}
