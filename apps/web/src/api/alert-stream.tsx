import type { Alert } from '@mamori/contracts';
import { Anchor, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { createContext, type MouseEvent, type ReactNode, useContext, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type NavigateFunction, useNavigate } from 'react-router';
import { alertTitle, SEVERITY_COLOR } from '../lib/alerts.ts';
import { ApiError, markBackgroundRefresh } from './client.ts';
import { alertApi } from './endpoints.ts';
import { queryKeys, useFacilityDirectory } from './queries.ts';
import { useSession } from './session.tsx';

/** Whether the console hears about alert changes right now ('off' for roles that may not read alerts). */
export type AlertStreamState = 'connecting' | 'live' | 'down' | 'off';

/** One `event: alert` message of GET /api/alerts/stream. */
type AlertChange = { alertId: string; facilityId: string; change: 'created' | 'updated' };

const AlertStreamContext = createContext<AlertStreamState>('off');

// Changes arriving together are handled together: one refresh of the lists, not one per change.
const FLUSH_MS = 400;
// Reconnect after 1 s, 2 s, 4 s … up to 30 s, with some jitter so consoles do not return in step.
const BACKOFF_MAX_MS = 30_000;
// At most this many pop-ups per batch; the rest are summed up in one.
const MAX_TOASTS = 3;

const isUrgent = (a: Alert) => a.severity === 'high' || a.severity === 'critical';

/** The alerts that were just created, fetched to learn their severity (one list call for a burst). */
async function loadCreated(ids: string[]): Promise<Alert[]> {
  markBackgroundRefresh();
  if (ids.length <= MAX_TOASTS + 2) {
    const results = await Promise.allSettled(ids.map((id) => alertApi.get(id)));
    return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  }
  const wanted = new Set(ids);
  const page = await alertApi.list({ open: 'true', limit: 200 });
  return page.items.filter((a) => wanted.has(a.id));
}

function showToasts(
  t: TFunction,
  navigate: NavigateFunction,
  alerts: Alert[],
  facilityName: (id: string) => string | undefined,
): void {
  const urgent = alerts
    .filter(isUrgent)
    .sort((a, b) => (a.severity === 'critical' ? -1 : b.severity === 'critical' ? 1 : 0));
  const go = (id: string, to: string) => (e: MouseEvent) => {
    e.preventDefault();
    notifications.hide(id);
    navigate(to);
  };
  for (const a of urgent.slice(0, MAX_TOASTS)) {
    const id = `alert-${a.id}`;
    notifications.show({
      id,
      color: SEVERITY_COLOR[a.severity],
      title: t('alerts.live.newTitle', { severity: t(`severity.${a.severity}`) }),
      // Critical alerts stay until someone closes them.
      autoClose: a.severity === 'critical' ? false : 15_000,
      message: (
        <Stack gap={2} data-testid="alert-toast" data-alert-id={a.id} data-severity={a.severity}>
          <Text size="sm" fw={600}>
            {alertTitle(t, a)}
          </Text>
          <Text size="xs" c="dimmed">
            {[facilityName(a.facilityId), a.hostname].filter(Boolean).join(' · ')}
          </Text>
          <Anchor href={`/alerts/${a.id}`} size="sm" onClick={go(id, `/alerts/${a.id}`)}>
            {t('alerts.live.open')}
          </Anchor>
        </Stack>
      ),
    });
  }
  const rest = urgent.length - MAX_TOASTS;
  if (rest > 0) {
    const id = `alert-more-${Date.now()}`;
    notifications.show({
      id,
      color: 'red',
      autoClose: 15_000,
      message: (
        <Stack gap={2}>
          <Text size="sm">{t('alerts.live.more', { count: rest })}</Text>
          <Anchor href="/alerts" size="sm" onClick={go(id, '/alerts')}>
            {t('alerts.live.openList')}
          </Anchor>
        </Stack>
      ),
    });
  }
}

/** Refreshes the alert lists and counts, and the detail of every alert that changed. */
function refreshAlerts(queryClient: QueryClient, changed: Set<string> | null): void {
  markBackgroundRefresh();
  void queryClient.invalidateQueries({
    queryKey: queryKeys.alerts,
    predicate: (q) => !changed || q.queryKey[1] !== 'detail' || changed.has(String(q.queryKey[2])),
  });
}

/**
 * Listens to the live alert stream for the whole signed-in console: refreshes what shows alerts,
 * pops up new high and critical alerts, and reconnects with backoff when the stream drops. When the
 * stream fails, one ordinary request tells why: a 401 (session over) signs the user out through the
 * usual path and ends the stream; a 403 ends it; anything else is retried.
 */
export function AlertStreamProvider({ children }: { children: ReactNode }) {
  const { can } = useSession();
  const enabled = can('alert:read');
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { t } = useTranslation();
  const facilities = useFacilityDirectory();
  const [state, setState] = useState<AlertStreamState>(enabled ? 'connecting' : 'off');

  // The latest translation, navigation and names, read when a change arrives (no reconnect when they change).
  const latest = useRef({ t, navigate, names: facilities.byId });
  useEffect(() => {
    latest.current = { t, navigate, names: facilities.byId };
  });

  useEffect(() => {
    if (!enabled) {
      setState('off');
      return;
    }
    let source: EventSource | null = null;
    let stopped = false;
    let attempt = 0;
    let everOpen = false;
    let retryTimer: number | undefined;
    let flushTimer: number | undefined;
    const pending = new Map<string, AlertChange>();

    const flush = async () => {
      flushTimer = undefined;
      const changes = [...pending.values()];
      pending.clear();
      refreshAlerts(queryClient, new Set(changes.map((c) => c.alertId)));
      const created = changes.filter((c) => c.change === 'created').map((c) => c.alertId);
      if (!created.length) return;
      let alerts: Alert[];
      try {
        alerts = await loadCreated(created);
      } catch {
        return; // the lists are refreshed anyway; only the pop-up is lost
      }
      if (stopped) return;
      if (alerts.some((a) => a.kind === 'agent_offline')) {
        markBackgroundRefresh();
        void queryClient.invalidateQueries({ queryKey: queryKeys.agents });
      }
      const { t: tr, navigate: nav, names } = latest.current;
      showToasts(tr, nav, alerts, (id) => names.get(id)?.name);
    };

    const onAlert = (event: MessageEvent<string>) => {
      let change: AlertChange;
      try {
        change = JSON.parse(event.data) as AlertChange;
      } catch {
        return;
      }
      const before = pending.get(change.alertId);
      // "created" wins over a later "updated" of the same alert in one batch.
      pending.set(change.alertId, before?.change === 'created' ? before : change);
      flushTimer ??= window.setTimeout(() => void flush(), FLUSH_MS);
    };

    const retryLater = async () => {
      try {
        markBackgroundRefresh();
        await alertApi.list({ limit: 1 });
      } catch (err) {
        // 401: the auth listeners are already sending the user to sign in. 403: no longer allowed.
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
          stopped = true;
          return;
        }
      }
      if (stopped) return;
      const delay = Math.min(BACKOFF_MAX_MS, 1000 * 2 ** attempt) * (0.8 + Math.random() * 0.4);
      attempt += 1;
      retryTimer = window.setTimeout(connect, delay);
    };

    function connect() {
      if (stopped) return;
      const es = new EventSource(alertApi.streamUrl);
      source = es;
      es.addEventListener('open', () => {
        attempt = 0;
        setState('live');
        // Changes made while the stream was down were never announced: reload what is shown.
        if (everOpen) refreshAlerts(queryClient, null);
        everOpen = true;
      });
      es.addEventListener('alert', onAlert);
      es.addEventListener('error', () => {
        // The browser would retry by itself, but without backoff and without telling why it failed.
        es.close();
        if (source === es) source = null;
        if (stopped) return;
        setState('down');
        void retryLater();
      });
    }

    setState('connecting');
    connect();
    return () => {
      stopped = true;
      source?.close();
      window.clearTimeout(retryTimer);
      window.clearTimeout(flushTimer);
    };
  }, [enabled, queryClient]);

  return <AlertStreamContext.Provider value={state}>{children}</AlertStreamContext.Provider>;
}

/** The live stream's state, for the "live" indicator. */
export function useAlertStreamState(): AlertStreamState {
  return useContext(AlertStreamContext);
}
