import type { AuditEntry, Facility, User } from '@mamori/contracts';
import type { TFunction } from 'i18next';

/** Every action the server records today; each has a label and a sentence in ja.json/en.json. */
export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.lockout',
  'auth.logout',
  'auth.mfa',
  'auth.mfa_enrol',
  'auth.invitation_accepted',
  'auth.password_reset',
  'platform.bootstrap',
  'facility.create',
  'facility.update',
  'user.create',
  'user.update',
  'user.role_change',
  'user.password_reset',
  'user.mfa_reset',
  'user.unlock',
  'settings.update',
  'audit.export',
  'audit.verify',
  'pki.client_certificate_issue',
  'pki.client_certificate_revoke',
  'agent.token_create',
  'agent.enrol',
  'agent.revoke',
  'alert.update',
  'alert.comment',
  'notification.channel_create',
  'notification.channel_delete',
  'notification.rule_create',
  'notification.channel_update',
  'notification.channel_test',
  'notification.rule_update',
  'notification.rule_delete',
  'notification.delivery_retry',
  'decoy.policy_create',
  'decoy.policy_update',
  'decoy.policy_delete',
  'host.isolate',
  'host.release',
  'sensor.configure',
] as const;

/** The action's short label ("施設の登録"); unknown actions show their code. */
export function actionLabel(t: TFunction, action: string): string {
  return t(`audit.action.${action}`, { defaultValue: action });
}

/** Who did it: their name when we know it, else their e-mail, else "system". */
export function actorName(t: TFunction, entry: AuditEntry, users: Map<string, User>): string {
  const user = entry.actorId ? users.get(entry.actorId) : undefined;
  return user?.displayName ?? entry.actorEmail ?? t('common.system');
}

function targetName(entry: AuditEntry, facilities: Map<string, Facility>, users: Map<string, User>): string {
  const details = entry.details as Record<string, unknown>;
  if (entry.targetType === 'facility' && entry.targetId) {
    return facilities.get(entry.targetId)?.name ?? (typeof details.name === 'string' ? details.name : '');
  }
  if (entry.targetType === 'agent') return typeof details.hostname === 'string' ? details.hostname : '';
  if (entry.targetType === 'decoy_policy') return typeof details.name === 'string' ? details.name : '';
  if (entry.targetType === 'user' && entry.targetId) {
    return users.get(entry.targetId)?.displayName ?? (typeof details.email === 'string' ? details.email : '');
  }
  return '';
}

/** One audit entry as a plain sentence: "山田 太郎 さんが施設「みやぎ中央クリニック」を登録しました". */
export function describeEntry(
  t: TFunction,
  entry: AuditEntry,
  facilities: Map<string, Facility>,
  users: Map<string, User>,
): string {
  const actor = actorName(t, entry, users);
  if (entry.outcome === 'failure' && entry.action !== 'auth.lockout') {
    return t('audit.sentence.failure', { actor, action: actionLabel(t, entry.action) });
  }
  const target = targetName(entry, facilities, users) || t('audit.unknownTarget');
  return t(`audit.sentence.${entry.action}`, {
    actor,
    target,
    defaultValue: t('audit.sentence.unknown', { actor, action: actionLabel(t, entry.action) }),
  });
}
