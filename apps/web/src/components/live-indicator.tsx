import { Badge, Tooltip } from '@mantine/core';
import { IconPlugConnectedX, IconPointFilled } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useAlertStreamState } from '../api/alert-stream.tsx';

/** "ライブ更新中" while the alert stream is connected; a warning when it is down. */
export function LiveIndicator() {
  const { t } = useTranslation();
  const state = useAlertStreamState();
  if (state === 'off') return null;
  const down = state === 'down';
  return (
    <Tooltip label={t(down ? 'alerts.live.downHelp' : 'alerts.live.liveHelp')} multiline w={300} withArrow>
      <Badge
        size="lg"
        variant="light"
        color={down ? 'orange' : state === 'live' ? 'teal' : 'gray'}
        leftSection={down ? <IconPlugConnectedX size={16} /> : <IconPointFilled size={14} />}
        role="status"
        data-testid="alerts-live"
        data-state={state}
      >
        {t(`alerts.live.${state}`)}
      </Badge>
    </Tooltip>
  );
}
