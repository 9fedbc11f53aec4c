import type { SensorInteraction, SensorSessionDetail } from '@mamori/contracts';
import { Box, Button, Card, Group, Progress, ScrollArea, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { IconPlayerPause, IconPlayerPlay, IconPlayerSkipForward, IconRotate, IconTerminal2 } from '@tabler/icons-react';
import type { TFunction } from 'i18next';
import { type CSSProperties, type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { cvesOf, replaySteps, SHELL_PERSONAS } from './sensors-model.ts';
import { formatDuration, personaLabel } from './sensors-shared.tsx';

const SPEEDS = ['1', '4'] as const;
// A pause at least this long (and shortened in the replay) gets a line saying how long it really was.
const GAP_NOTE_MS = 10_000;

// Terminal colours (a dark panel, readable on a projector too).
const C = {
  bg: '#101418',
  text: '#e6edf3',
  dim: '#8b949e',
  prompt: '#7ee787',
  user: '#79c0ff',
  secret: '#f2cc60',
  ok: '#7ee787',
  bad: '#ff7b72',
  warn: '#ffa657',
  request: '#a5d6ff',
} as const;

/** "+01:05" from the first interaction. */
export function offsetLabel(ms: number): string {
  const total = Math.floor(ms / 1000);
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `+${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function Span({ color, bold, children }: { color: string; bold?: boolean; children: ReactNode }) {
  return <span style={{ color, fontWeight: bold ? 700 : undefined }}>{children}</span>;
}

/** What one interaction looks like in the terminal: one or more lines. */
function linesOf(t: TFunction, i: SensorInteraction, s: SensorSessionDetail): ReactNode[] {
  switch (i.interaction) {
    case 'connect':
      return [
        <Span key="c" color={C.dim}>
          {t('sensors.replay.connect', {
            src: `${s.srcIp}:${s.srcPort}`,
            persona: personaLabel(t, s.persona),
            port: s.dstPort,
          })}
        </Span>,
      ];
    case 'disconnect': {
      const seconds = typeof i.info.seconds === 'number' ? i.info.seconds : undefined;
      return [
        <Span key="d" color={C.dim}>
          {seconds === undefined
            ? t('sensors.replay.disconnect')
            : t('sensors.replay.disconnectAfter', { duration: formatDuration(t, seconds * 1000) })}
        </Span>,
      ];
    }
    case 'login':
      return [
        <span key="u">
          <Span color={C.dim}>login as: </Span>
          <Span color={C.user}>{i.username ?? ''}</Span>
        </span>,
        <span key="p">
          <Span color={C.dim}>password: </Span>
          <Span color={C.secret}>{i.password ?? ''}</Span>
          {'  '}
          {i.success ? (
            <Span color={C.ok} bold>
              {t('sensors.replay.loginOk')}
            </Span>
          ) : (
            <Span color={C.bad}>{t('sensors.replay.loginFailed')}</Span>
          )}
        </span>,
      ];
    case 'command': {
      const user = str(i.info.user) ?? s.usernames[0] ?? 'user';
      const cwd = str(i.info.cwd) ?? '~';
      return [
        <span key="cmd">
          <Span color={C.prompt} bold>
            {`${user}:${cwd}${user === 'root' ? '#' : '$'} `}
          </Span>
          <Span color={C.text} bold>
            {i.command ?? ''}
          </Span>
        </span>,
      ];
    }
    case 'download':
      return [
        <Span key="dl" color={C.warn}>
          {t('sensors.replay.download', { url: i.url ?? i.summary ?? '' })}
        </Span>,
      ];
    case 'exploit': {
      const cves = cvesOf(i.info);
      return [
        <Span key="x" color={C.bad} bold>
          {t('sensors.replay.exploit', { what: i.summary ?? i.url ?? '' })}
          {cves.length > 0 && ` [${cves.join(', ')}]`}
        </Span>,
      ];
    }
    case 'malformed':
      return [
        <Span key="m" color={C.bad}>
          {t('sensors.replay.malformed', { what: i.summary ?? '' })}
        </Span>,
      ];
    case 'scan': {
      const ports = Array.isArray(i.info.ports) ? (i.info.ports as unknown[]).map(String) : [];
      return [
        <Span key="s" color={C.warn}>
          {t('sensors.replay.scan', { count: ports.length, ports: ports.slice(0, 20).join(', ') })}
        </Span>,
      ];
    }
    default:
      return [
        <Span key="r" color={C.request}>
          {i.summary ?? i.url ?? t(`sensors.interaction.${i.interaction}`)}
        </Span>,
      ];
  }
}

/**
 * The session played back like a terminal: each interaction appears after the real pause since
 * the previous one (long pauses shortened and labelled), at 1x or 4x; or everything at once.
 */
export function SessionReplay({ session }: { session: SensorSessionDetail }) {
  const { t } = useTranslation();
  const interactions = session.interactions;
  const steps = useMemo(() => replaySteps(interactions), [interactions]);
  const total = interactions.length;
  const [shown, setShown] = useState(total);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<(typeof SPEEDS)[number]>('1');
  const viewport = useRef<HTMLDivElement>(null);

  // A live session grows while it is open: whoever was seeing everything keeps seeing everything.
  const previousTotal = useRef(total);
  useEffect(() => {
    const before = previousTotal.current;
    previousTotal.current = total;
    setShown((n) => (n === before ? total : n));
  }, [total]);

  useEffect(() => {
    if (!playing) return;
    if (shown >= total) {
      setPlaying(false);
      return;
    }
    const wait = (steps[shown]?.waitMs ?? 0) / Number(speed);
    const timer = window.setTimeout(() => setShown((n) => n + 1), wait);
    return () => window.clearTimeout(timer);
  }, [playing, shown, total, steps, speed]);

  // Follow the newest line while playing.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs after each new line (`shown`), reads the DOM
  useEffect(() => {
    if (!playing || !viewport.current) return;
    viewport.current.scrollTo({ top: viewport.current.scrollHeight });
  }, [playing, shown]);

  const play = () => {
    if (shown >= total) setShown(0);
    setPlaying(true);
  };
  const elapsed = shown > 0 ? (steps[shown - 1]?.offsetMs ?? 0) : 0;
  const length = steps.at(-1)?.offsetMs ?? 0;
  const shell = SHELL_PERSONAS.has(session.persona);
  const lineStyle: CSSProperties = { display: 'flex', gap: 12, whiteSpace: 'pre-wrap', wordBreak: 'break-all' };

  return (
    <Card withBorder radius="md" padding="lg" data-testid="sensor-replay">
      <Group justify="space-between" align="flex-start" mb="sm" gap="sm">
        <Stack gap={0}>
          <Group gap={8}>
            <IconTerminal2 size={20} />
            <Title order={2} fz="h4">
              {t(shell ? 'sensors.replay.titleShell' : 'sensors.replay.title')}
            </Title>
          </Group>
          <Text size="xs" c="dimmed">
            {t('sensors.replay.help')}
          </Text>
        </Stack>
        <Group gap="xs">
          {playing ? (
            <Button
              size="compact-sm"
              variant="filled"
              leftSection={<IconPlayerPause size={14} />}
              onClick={() => setPlaying(false)}
              data-testid="sensor-replay-pause"
            >
              {t('sensors.replay.pause')}
            </Button>
          ) : (
            <Button
              size="compact-sm"
              variant="filled"
              leftSection={<IconPlayerPlay size={14} />}
              onClick={play}
              disabled={total === 0}
              data-testid="sensor-replay-play"
            >
              {t(shown > 0 && shown < total ? 'sensors.replay.resume' : 'sensors.replay.play')}
            </Button>
          )}
          <SegmentedControl
            size="xs"
            value={speed}
            onChange={(v) => setSpeed(v === '4' ? '4' : '1')}
            data={SPEEDS.map((s) => ({ value: s, label: `${s}x` }))}
            aria-label={t('sensors.replay.speed')}
            data-testid="sensor-replay-speed"
          />
          <Button
            size="compact-sm"
            variant="default"
            leftSection={<IconRotate size={14} />}
            onClick={() => {
              setShown(0);
              setPlaying(false);
            }}
            disabled={total === 0}
            data-testid="sensor-replay-restart"
          >
            {t('sensors.replay.restart')}
          </Button>
          <Button
            size="compact-sm"
            variant="default"
            leftSection={<IconPlayerSkipForward size={14} />}
            onClick={() => {
              setPlaying(false);
              setShown(total);
            }}
            disabled={shown >= total}
            data-testid="sensor-replay-all"
          >
            {t('sensors.replay.showAll')}
          </Button>
        </Group>
      </Group>
      <Progress value={total ? (shown / total) * 100 : 0} size="xs" mb={4} color="teal" />
      <Text size="xs" c="dimmed" mb="xs" data-testid="sensor-replay-progress">
        {t('sensors.replay.progress', {
          shown,
          total,
          elapsed: formatDuration(t, elapsed),
          length: formatDuration(t, length),
        })}
      </Text>
      <ScrollArea.Autosize
        mah={480}
        viewportRef={viewport}
        style={{ background: C.bg, borderRadius: 8 }}
        data-testid="sensor-replay-terminal"
      >
        <Box p="md" ff="monospace" fz={13} lh={1.6} style={{ color: C.text, minHeight: 120 }}>
          {interactions.slice(0, shown).map((i, k) => {
            const step = steps[k];
            const skipped = step && step.gapMs > step.waitMs && step.gapMs >= GAP_NOTE_MS;
            return (
              // Interactions have no id; the list only grows at its end.
              // biome-ignore lint/suspicious/noArrayIndexKey: see above
              <div key={k} data-testid="sensor-replay-line" data-kind={i.interaction}>
                {skipped && (
                  <div style={{ ...lineStyle, color: C.dim, fontStyle: 'italic' }}>
                    <span style={{ minWidth: 52 }} />
                    <span>{t('sensors.replay.gap', { duration: formatDuration(t, step.gapMs) })}</span>
                  </div>
                )}
                {linesOf(t, i, session).map((line, n) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: the lines of one interaction never change
                  <div key={n} style={lineStyle}>
                    <span style={{ color: C.dim, minWidth: 52, userSelect: 'none' }}>
                      {n === 0 ? offsetLabel(step?.offsetMs ?? 0) : ''}
                    </span>
                    <span style={{ minWidth: 0 }}>{line}</span>
                  </div>
                ))}
              </div>
            );
          })}
          {playing && <span style={{ color: C.prompt }}>▌</span>}
          {total === 0 && <span style={{ color: C.dim }}>{t('sensors.replay.nothing')}</span>}
        </Box>
      </ScrollArea.Autosize>
    </Card>
  );
}
