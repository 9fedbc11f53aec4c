import type { AlertStatus, Severity } from '@mamori/contracts';
import { Badge, type BadgeProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { SEVERITY_COLOR, STATUS_COLOR } from '../lib/alerts.ts';

// Badges in narrow table cells keep their whole label instead of shrinking to "調…".
const WHOLE_LABEL = { label: { overflow: 'visible' } } as const;

/** An alert's severity in its colour ("重大" in red … "情報" in grey). */
export function SeverityBadge({ severity, ...props }: { severity: Severity } & BadgeProps) {
  const { t } = useTranslation();
  return (
    <Badge
      color={SEVERITY_COLOR[severity]}
      variant={severity === 'critical' || severity === 'high' ? 'filled' : 'light'}
      miw={48}
      styles={WHOLE_LABEL}
      {...props}
    >
      {t(`severity.${severity}`)}
    </Badge>
  );
}

/** An alert's triage status ("新規", "確認済み", …). */
export function AlertStatusBadge({ status, ...props }: { status: AlertStatus } & BadgeProps) {
  const { t } = useTranslation();
  return (
    <Badge color={STATUS_COLOR[status]} variant="light" styles={WHOLE_LABEL} {...props}>
      {t(`alertStatus.${status}`)}
    </Badge>
  );
}
