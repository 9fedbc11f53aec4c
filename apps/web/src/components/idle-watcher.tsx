import { Button, Group, Modal, Text } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { lastServerActivity } from '../api/client.ts';
import { useSession } from '../api/session.tsx';

const MINUTE = 60_000;
const WARN_BEFORE_MS = 60_000;

/**
 * Signs the user out when the session's idle time is over, with a one-minute warning first.
 * The server extends its idle timeout on each request at most once a minute, so the earliest
 * moment it may end is (last request + idle time − 1 minute); we sign out then, so the user
 * sees a clear message instead of a failing request.
 */
export function IdleWatcher({ idleMinutes }: { idleMinutes: number | undefined }) {
  const { t } = useTranslation();
  const { session, refresh, signOut } = useSession();
  const [remainingMs, setRemainingMs] = useState<number | null>(null);

  // Without the settings (not every role may read them), estimate the idle time from the session.
  const idleMs = useMemo(() => {
    if (idleMinutes) return idleMinutes * MINUTE;
    if (!session) return 15 * MINUTE;
    const left = Date.parse(session.idleExpiresAt) - Date.now();
    return Math.max(5 * MINUTE, Math.ceil(left / MINUTE) * MINUTE);
  }, [idleMinutes, session]);

  const absoluteAt = session ? Date.parse(session.absoluteExpiresAt) : Number.POSITIVE_INFINITY;

  useEffect(() => {
    if (!session) return;
    const tick = () => {
      const now = Date.now();
      if (now >= absoluteAt) {
        void signOut('expired');
        return;
      }
      const deadline = lastServerActivity() + idleMs - MINUTE;
      if (now >= deadline) {
        void signOut('idle');
        return;
      }
      setRemainingMs(deadline - now <= WARN_BEFORE_MS ? deadline - now : null);
    };
    tick();
    const id = window.setInterval(tick, 1000);
    return () => window.clearInterval(id);
  }, [session, idleMs, absoluteAt, signOut]);

  return (
    <Modal
      opened={remainingMs !== null}
      onClose={() => void refresh()}
      title={t('session.expiringTitle')}
      centered
      withCloseButton={false}
      data-testid="idle-warning"
    >
      <Text size="sm">{t('session.expiringBody', { seconds: Math.max(0, Math.ceil((remainingMs ?? 0) / 1000)) })}</Text>
      <Group justify="flex-end" mt="lg">
        <Button variant="default" onClick={() => void signOut('signed_out')}>
          {t('session.signOut')}
        </Button>
        <Button onClick={() => void refresh()} data-autofocus data-testid="idle-stay">
          {t('session.stay')}
        </Button>
      </Group>
    </Modal>
  );
}
