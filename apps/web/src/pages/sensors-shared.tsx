import type { PersonaKind, SessionStage } from '@mamori/contracts';
import { Anchor, Badge, type BadgeProps, Card, EmptyState, List, Text, Tooltip } from '@mantine/core';
import { IconServerBolt } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useCallback, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { queryKeys } from '../api/queries.ts';
import { markSensorBackgroundRefresh, sensorKeys } from '../api/sensors.ts';
import { useSession } from '../api/session.tsx';
import { durationParts, type Msg, problemMessage, STAGE_COLOR } from './sensors-model.ts';

// Badges in narrow table cells keep their whole label.
const WHOLE_LABEL = { label: { overflow: 'visible' } } as const;

/** The persona's short name ("SSH", "SSL-VPN (FortiGate 型)"). */
export const personaLabel = (t: TFunction, kind: PersonaKind): string => t(`sensors.persona.${kind}.label`);

/** How far the attacker got, in its colour ("ポートを調べた" grey … "コマンドを実行" red). */
export function StageBadge({ stage, ...props }: { stage: SessionStage } & BadgeProps) {
  const { t } = useTranslation();
  return (
    <Tooltip label={t(`sensors.stageHelp.${stage}`)} multiline w={280} withArrow>
      <Badge
        color={STAGE_COLOR[stage]}
        variant={stage === 'command' || stage === 'login_success' ? 'filled' : 'light'}
        styles={WHOLE_LABEL}
        data-stage={stage}
        {...props}
      >
        {t(`sensors.stage.${stage}`)}
      </Badge>
    </Tooltip>
  );
}

/** A persona on its port ("SSH :22"); red when the sensor could not start it. */
export function PersonaBadge({
  kind,
  port,
  failed,
  ...props
}: { kind: PersonaKind; port?: number; failed?: boolean } & BadgeProps) {
  const { t } = useTranslation();
  return (
    <Badge
      color={failed ? 'red' : 'indigo'}
      variant={failed ? 'filled' : 'light'}
      styles={{ label: { overflow: 'visible', textTransform: 'none' } }}
      data-persona={kind}
      data-failed={failed ? 'true' : undefined}
      {...props}
    >
      {personaLabel(t, kind)}
      {port !== undefined && ` :${port}`}
    </Badge>
  );
}

/** Translates a model message; a `persona` value is a persona kind and is shown by its name. */
export function useMsg(): (m: Msg | undefined) => string | undefined {
  const { t } = useTranslation();
  return useCallback(
    (m: Msg | undefined) => {
      if (!m) return undefined;
      const values = { ...m.values };
      if (typeof values.persona === 'string' && t(`sensors.persona.${values.persona}.label`, { defaultValue: '' })) {
        values.persona = t(`sensors.persona.${values.persona}.label`);
      }
      return t(m.key, values);
    },
    [t],
  );
}

/** The listener problems a sensor reported, one plain sentence each. */
export function SensorProblems({ problems }: { problems: { port: number; message: string }[] }) {
  const { t } = useTranslation();
  const msg = useMsg();
  if (!problems.length) {
    return (
      <Text size="sm" c="dimmed">
        {t('sensors.noProblems')}
      </Text>
    );
  }
  return (
    <List size="sm" spacing={2} c="red.8" data-testid="sensor-problems">
      {problems.map((p) => (
        <List.Item key={`${p.port}-${p.message}`}>
          <Tooltip label={p.message} withArrow>
            <span>{msg(problemMessage(p))}</span>
          </Tooltip>
        </List.Item>
      ))}
    </List>
  );
}

/** "1 分 5 秒" / "1 min 5 s". */
export function formatDuration(t: TFunction, ms: number): string {
  const { h, m, s } = durationParts(ms);
  if (h) return t('sensors.duration.hm', { h, m });
  if (m) return t('sensors.duration.ms', { m, s });
  return t('sensors.duration.s', { s });
}

// A brute-force run changes its alert every few hundred milliseconds: refresh at most this often.
const LIVE_REFRESH_MS = 5000;

/**
 * Keeps the decoy-server screens current: whenever the live alert stream has refreshed the alerts
 * (a sensor reported something), the sensor queries are refreshed too, as background reads, at
 * most every LIVE_REFRESH_MS. The 24-hour chart is left to its own slower refresh.
 */
export function useSensorLiveRefresh(): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    let timer: number | undefined;
    let last = 0;
    const refresh = () => {
      timer = undefined;
      last = Date.now();
      markSensorBackgroundRefresh();
      void queryClient.invalidateQueries({
        queryKey: sensorKeys.all,
        predicate: (q) => q.queryKey[1] !== 'recent',
      });
    };
    const unsubscribe = queryClient.getQueryCache().subscribe((event) => {
      if (event.type !== 'updated' || event.action.type !== 'success') return;
      if (event.query.queryKey[0] !== queryKeys.alerts[0]) return;
      if (timer !== undefined) return;
      timer = window.setTimeout(refresh, Math.max(300, last + LIVE_REFRESH_MS - Date.now()));
    });
    return () => {
      window.clearTimeout(timer);
      unsubscribe();
    };
  }, [queryClient]);
}

/** No sensor yet: what a sensor is and how to add one (the same steps as an agent). */
export function NoSensors() {
  const { t } = useTranslation();
  const { can } = useSession();
  return (
    <Card withBorder radius="md" padding="xl" data-testid="sensors-empty">
      <EmptyState
        icon={<IconServerBolt size={28} />}
        variant="light"
        title={t('sensors.empty.title')}
        description={t('sensors.empty.body')}
      >
        <Text size="sm" c="dimmed" maw={640} ta="center" mt="xs">
          {t('sensors.empty.steps')}
        </Text>
        {can('agent:manage') && (
          <Anchor component={Link} to="/agents" size="sm" mt="sm" data-testid="sensors-empty-agents">
            {t('sensors.empty.toAgents')}
          </Anchor>
        )}
      </EmptyState>
    </Card>
  );
}
