import type {
  Agent,
  AgentListQuerySchema,
  Alert,
  AlertDetail,
  AlertListQuery,
  AuditListQuery,
  AuditListResponse,
  AuditVerifyResponse,
  BootstrapRequest,
  Channel,
  ChannelTestResponse,
  CreateChannelRequest,
  CreateFacilityRequest,
  CreateRuleRequest,
  CreateUserRequest,
  CreateUserResponse,
  Delivery,
  DeliveryListQuery,
  DeliveryListResponse,
  EnrolmentTokenResponse,
  Facility,
  FacilityListQuery,
  FacilityListResponse,
  LoginRequest,
  MfaSetupResponse,
  OneTimeLink,
  Rule,
  SessionResponse,
  Settings,
  UpdateAlertRequest,
  UpdateChannelRequest,
  UpdateFacilityRequest,
  UpdateRuleRequest,
  UpdateSettingsRequest,
  UpdateUserRequest,
  User,
  UserListQuery,
  UserListResponse,
} from '@mamori/contracts';
import type { z } from 'zod';
import { api, type Query, setCsrfToken, toQueryString } from './client.ts';

/** What a one-time link is for (GET /api/auth/one-time-token). */
export type OneTimeTokenInfo = {
  purpose: 'invite' | 'reset';
  email: string;
  displayName: string;
  expiresAt: string;
};

/** Optional list filters: every field of a list query may be left out. */
type Filters<T> = Partial<T>;

const remember = (s: SessionResponse): SessionResponse => {
  setCsrfToken(s.csrfToken);
  return s;
};

/** Sign-in, second factor, first-run set-up and one-time links. */
export const authApi = {
  setupStatus: () => api<{ needsBootstrap: boolean }>('GET', '/api/auth/setup-status', { reportAuthProblems: false }),
  bootstrap: (body: BootstrapRequest) =>
    api<SessionResponse>('POST', '/api/auth/bootstrap', { body, reportAuthProblems: false }).then(remember),
  login: (body: LoginRequest) =>
    api<SessionResponse>('POST', '/api/auth/login', { body, reportAuthProblems: false }).then(remember),
  session: () => api<SessionResponse>('GET', '/api/auth/session', { reportAuthProblems: false }).then(remember),
  logout: async () => {
    try {
      await api<{ ok: true }>('POST', '/api/auth/logout', { reportAuthProblems: false });
    } finally {
      setCsrfToken(null);
    }
  },
  mfaSetup: () => api<MfaSetupResponse>('POST', '/api/auth/mfa/setup', { reportAuthProblems: false }),
  mfaEnable: (code: string) =>
    api<SessionResponse>('POST', '/api/auth/mfa/enable', { body: { code }, reportAuthProblems: false }).then(remember),
  mfaVerify: (code: string) =>
    api<SessionResponse>('POST', '/api/auth/mfa/verify', { body: { code }, reportAuthProblems: false }).then(remember),
  oneTimeToken: (token: string) =>
    api<OneTimeTokenInfo>('GET', '/api/auth/one-time-token', { query: { token }, reportAuthProblems: false }),
  setPassword: (token: string, password: string) =>
    api<{ ok: true }>('POST', '/api/auth/set-password', { body: { token, password }, reportAuthProblems: false }),
};

/** Facilities of the network. */
export const facilityApi = {
  list: (q: Filters<FacilityListQuery>) => api<FacilityListResponse>('GET', '/api/facilities', { query: q as Query }),
  get: (id: string) => api<Facility>('GET', `/api/facilities/${encodeURIComponent(id)}`),
  create: (body: CreateFacilityRequest) => api<Facility>('POST', '/api/facilities', { body }),
  update: (id: string, body: UpdateFacilityRequest) =>
    api<Facility>('PATCH', `/api/facilities/${encodeURIComponent(id)}`, { body }),
};

/** Users, roles and their sign-in credentials. */
export const userApi = {
  list: (q: Filters<UserListQuery>) => api<UserListResponse>('GET', '/api/users', { query: q as Query }),
  create: (body: CreateUserRequest) => api<CreateUserResponse>('POST', '/api/users', { body }),
  update: (id: string, body: UpdateUserRequest) => api<User>('PATCH', `/api/users/${encodeURIComponent(id)}`, { body }),
  resetPassword: (id: string) => api<OneTimeLink>('POST', `/api/users/${encodeURIComponent(id)}/password-reset`),
  resetMfa: (id: string) => api<User>('POST', `/api/users/${encodeURIComponent(id)}/mfa-reset`),
  unlock: (id: string) => api<User>('POST', `/api/users/${encodeURIComponent(id)}/unlock`),
};

/** The tamper-evident audit log. */
export const auditApi = {
  list: (q: Filters<AuditListQuery>) => api<AuditListResponse>('GET', '/api/audit', { query: q as Query }),
  verify: () => api<AuditVerifyResponse>('POST', '/api/audit/verify'),
  /** The CSV download address for the given filters (a plain link; the browser sends the cookie). */
  exportUrl: (q: Filters<Omit<AuditListQuery, 'limit' | 'offset'>>) =>
    `/api/audit/export.csv${toQueryString(q as Query)}`,
};

/** Alerts from every module: the inbox, one alert with its timeline, triage and comments. */
export const alertApi = {
  list: (q: Filters<AlertListQuery>) =>
    api<{ items: Alert[]; total: number }>('GET', '/api/alerts', { query: q as Query }),
  get: (id: string) => api<AlertDetail>('GET', `/api/alerts/${encodeURIComponent(id)}`),
  update: (id: string, body: UpdateAlertRequest) =>
    api<AlertDetail>('PATCH', `/api/alerts/${encodeURIComponent(id)}`, { body }),
  comment: (id: string, body: string) =>
    api<AlertDetail>('POST', `/api/alerts/${encodeURIComponent(id)}/comments`, { body: { body } }),
  /** The Server-Sent Events stream of alert changes in the user's scope. */
  streamUrl: '/api/alerts/stream',
};

/** The agents' list query (facility, status, paging). */
export type AgentListQuery = z.infer<typeof AgentListQuerySchema>;

/** Facility agents: the list, revocation and one-time enrolment tokens. */
export const agentApi = {
  list: (q: Filters<AgentListQuery>) =>
    api<{ items: Agent[]; total: number }>('GET', '/api/agents', { query: q as Query }),
  revoke: (id: string) => api<Agent>('POST', `/api/agents/${encodeURIComponent(id)}/revoke`),
  createToken: (facilityId: string, ttlMinutes: number) =>
    api<EnrolmentTokenResponse>('POST', '/api/enrolment-tokens', { body: { facilityId, ttlMinutes } }),
  /** The platform CA certificate the agent verifies the server with (a plain download). */
  caUrl: '/api/pki/ca.crt',
};

/** Organisation-wide settings. */
export const settingsApi = {
  get: () => api<Settings>('GET', '/api/settings'),
  update: (body: UpdateSettingsRequest) => api<Settings>('PATCH', '/api/settings', { body }),
};

/** Where alerts are sent (e-mail, webhooks, syslog), which alerts go where, and each alert's deliveries. */
export const notificationApi = {
  channels: () => api<{ items: Channel[] }>('GET', '/api/notification-channels'),
  createChannel: (body: CreateChannelRequest) => api<Channel>('POST', '/api/notification-channels', { body }),
  deleteChannel: (id: string) => api<{ ok: true }>('DELETE', `/api/notification-channels/${encodeURIComponent(id)}`),
  rules: () => api<{ items: Rule[] }>('GET', '/api/notification-rules'),
  createRule: (body: CreateRuleRequest) => api<Rule>('POST', '/api/notification-rules', { body }),
  updateChannel: (id: string, body: UpdateChannelRequest) =>
    api<Channel>('PATCH', `/api/notification-channels/${encodeURIComponent(id)}`, { body }),
  /** Sends a test through the channel now; resolves with sent/failed and the receiver's answer or the error. */
  testChannel: (id: string) =>
    api<ChannelTestResponse>('POST', `/api/notification-channels/${encodeURIComponent(id)}/test`),
  updateRule: (id: string, body: UpdateRuleRequest) =>
    api<Rule>('PATCH', `/api/notification-rules/${encodeURIComponent(id)}`, { body }),
  deleteRule: (id: string) => api<{ ok: true }>('DELETE', `/api/notification-rules/${encodeURIComponent(id)}`),
  /** One alert's notifications and their state. */
  deliveries: (alertId: string) =>
    api<{ items: Delivery[] }>('GET', `/api/alerts/${encodeURIComponent(alertId)}/deliveries`),
  /** The delivery history across alerts; `background` reads do not count as the user's activity. */
  deliveryHistory: (query: DeliveryHistoryQuery, opts: { background?: boolean } = {}) =>
    api<DeliveryListResponse>('GET', '/api/notification-deliveries', { query, background: opts.background }),
  retryDelivery: (id: string) => api<Delivery>('POST', `/api/notification-deliveries/${encodeURIComponent(id)}/retry`),
};

/** Filters and page of the delivery history. */
export type DeliveryHistoryQuery = Partial<DeliveryListQuery>;
