import type { Alert, AlertDetail, AlertStatus, Severity } from '@mamori/contracts';
import type { TFunction } from 'i18next';

/** Severities from the most to the least urgent (the order of filters, charts and legends). */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** Mantine colour of each severity's badge. */
export const SEVERITY_COLOR: Record<Severity, string> = {
  critical: 'red',
  high: 'orange',
  medium: 'yellow',
  low: 'blue',
  info: 'gray',
};

/** The same colours as hex values, for charts (Mantine's shade 7, shade 6 for yellow and grey). */
export const SEVERITY_HEX: Record<Severity, string> = {
  critical: '#e03131',
  high: '#f76707',
  medium: '#fab005',
  low: '#1c7ed6',
  info: '#868e96',
};

/** Every triage status in workflow order. */
export const ALERT_STATUSES: readonly AlertStatus[] = [
  'new',
  'acknowledged',
  'investigating',
  'resolved',
  'false_positive',
];

/** Statuses that still need someone (what the server's `open=true` filter means). */
export const OPEN_STATUSES: readonly AlertStatus[] = ['new', 'acknowledged', 'investigating'];

/** Mantine colour of each status's badge. */
export const STATUS_COLOR: Record<AlertStatus, string> = {
  new: 'red',
  acknowledged: 'yellow',
  investigating: 'blue',
  resolved: 'teal',
  false_positive: 'gray',
};

/** Modules that report alerts today; the source filter offers these (and any source in the address). */
export const KNOWN_SOURCES = ['agent', 'decoys', 'sensor'] as const;

export const isSeverity = (v: string | null | undefined): v is Severity =>
  !!v && (SEVERITIES as readonly string[]).includes(v);
export const isAlertStatus = (v: string | null | undefined): v is AlertStatus =>
  !!v && (ALERT_STATUSES as readonly string[]).includes(v);
export const isOpen = (status: AlertStatus): boolean => OPEN_STATUSES.includes(status);

/** The statuses a triager may move an alert to from `status` (a closed alert only switches between the closed ones). */
export function nextStatuses(status: AlertStatus): AlertStatus[] {
  const all: AlertStatus[] = ['acknowledged', 'investigating', 'resolved', 'false_positive'];
  return isOpen(status) ? all : ['resolved', 'false_positive'];
}

// i18n keys use "." as a separator; kinds may contain dots (e.g. `decoy.modified`).
const kindKey = (kind: string) => kind.replace(/\./g, '_');

/** The alert's title in the console language when its kind has one (e.g. agent_offline), else the reported title. */
export function alertTitle(t: TFunction, alert: Pick<Alert, 'kind' | 'title' | 'hostname'>): string {
  return t(`alerts.kind.${kindKey(alert.kind)}.title`, {
    host: alert.hostname ?? '—',
    defaultValue: alert.title,
  });
}

/** "What happened" and "what to do now" in plain words for the alert's kind, or the generic advice. */
export function alertAdvice(t: TFunction, kind: string): { what: string; todo: string } {
  const key = kindKey(kind);
  return {
    what: t(`alerts.kind.${key}.what`, { defaultValue: t('alerts.kind.generic.what') }),
    todo: t(`alerts.kind.${key}.todo`, { defaultValue: t('alerts.kind.generic.todo') }),
  };
}

/** A status change as the server records it on the timeline ("new → acknowledged"), or null. */
export function parseStatusChange(body: string): { from: AlertStatus; to: AlertStatus } | null {
  const m = /^(\w+) → (\w+)$/.exec(body.trim());
  if (!m || !isAlertStatus(m[1]) || !isAlertStatus(m[2])) return null;
  return { from: m[1], to: m[2] };
}

type TimelineEntry = AlertDetail['timeline'][number];

/** One timeline entry as a sentence (comments are shown as they were written). */
export function describeTimelineEntry(
  t: TFunction,
  entry: TimelineEntry,
  userName: (id: string) => string | undefined,
): string {
  switch (entry.type) {
    case 'occurred':
      return t('alerts.timeline.occurred');
    case 'status': {
      const change = parseStatusChange(entry.body);
      if (!change) return t('alerts.timeline.statusRaw', { body: entry.body });
      return t('alerts.timeline.status', {
        from: t(`alertStatus.${change.from}`),
        to: t(`alertStatus.${change.to}`),
      });
    }
    case 'assigned':
      return entry.body
        ? t('alerts.timeline.assigned', { name: userName(entry.body) ?? t('common.unknown') })
        : t('alerts.timeline.unassigned');
    case 'comment':
      return entry.body;
  }
}

/** True when a detail value is an ISO timestamp (shown in JST). */
export const looksLikeTimestamp = (v: unknown): v is string =>
  typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v);
