import type { Facility, User } from '@mamori/contracts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { facilityApi, notificationApi, settingsApi, userApi } from './endpoints.ts';
import { useSession } from './session.tsx';

/** Query keys, so that a change can refresh every list that shows the changed thing. */
export const queryKeys = {
  facilities: ['facilities'] as const,
  users: ['users'] as const,
  audit: ['audit'] as const,
  settings: ['settings'] as const,
  alerts: ['alerts'] as const,
  agents: ['agents'] as const,
  notifications: ['notifications'] as const,
  decoys: ['decoys'] as const,
};

const PAGE = 500; // the API's largest page

async function fetchAll<T>(load: (offset: number) => Promise<{ items: T[]; total: number }>): Promise<T[]> {
  const all: T[] = [];
  for (;;) {
    const page = await load(all.length);
    all.push(...page.items);
    if (page.items.length === 0 || all.length >= page.total) return all;
  }
}

/** Organisation settings, loaded only for roles that may read them. */
export function useSettings() {
  const { can } = useSession();
  return useQuery({ queryKey: queryKeys.settings, queryFn: settingsApi.get, enabled: can('settings:read') });
}

/** Every facility visible to the user, for names in tables and for select boxes. */
export function useFacilityDirectory() {
  const { can } = useSession();
  const query = useQuery({
    queryKey: [...queryKeys.facilities, 'directory'],
    queryFn: () => fetchAll<Facility>((offset) => facilityApi.list({ limit: PAGE, offset })),
    enabled: can('facility:read'),
    staleTime: 60_000,
  });
  const list = query.data ?? [];
  return { ...query, list, byId: new Map(list.map((f) => [f.id, f])) };
}

/** Every user visible to the user, for names in the audit log (only for roles that may read users). */
export function useUserDirectory() {
  const { can } = useSession();
  const query = useQuery({
    queryKey: [...queryKeys.users, 'directory'],
    queryFn: () => fetchAll<User>((offset) => userApi.list({ limit: PAGE, offset })),
    enabled: can('user:read'),
    staleTime: 60_000,
  });
  const list = query.data ?? [];
  return { ...query, list, byId: new Map(list.map((u) => [u.id, u])) };
}

/** Notification channels in the user's scope (for roles that manage notifications). */
export function useNotificationChannels() {
  const { can } = useSession();
  const query = useQuery({
    queryKey: [...queryKeys.notifications, 'channels'],
    queryFn: notificationApi.channels,
    enabled: can('notification:manage'),
  });
  const list = query.data?.items ?? [];
  return { ...query, list, byId: new Map(list.map((c) => [c.id, c])) };
}

/** Notification rules in the user's scope. */
export function useNotificationRules() {
  const { can } = useSession();
  return useQuery({
    queryKey: [...queryKeys.notifications, 'rules'],
    queryFn: notificationApi.rules,
    enabled: can('notification:manage'),
  });
}

/** After a change: reload the lists of its area and the audit log (every change is logged). */
export function useRefreshAfterChange(area: readonly unknown[]): () => void {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: area });
    void queryClient.invalidateQueries({ queryKey: queryKeys.audit });
  };
}
