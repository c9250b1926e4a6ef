import type { ColumnType, Generated, Insertable, JSONColumnType, Selectable } from 'kysely';

/**
 * Database schema for the Logwell primary Postgres database.
 *
 * Log payloads live in Reservoir (see src/lib/reservoir.ts); the `logs` table
 * below only holds the hot window used by the live tail and saved-search
 * previews. Keep this file in sync with migrations/ — `pnpm db:codegen`
 * regenerates the table interfaces but the helper types are hand-written.
 */

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export type MemberRole = 'owner' | 'admin' | 'member' | 'viewer';
export type AlertStatus = 'firing' | 'resolved' | 'errored';
export type NotificationKind = 'email' | 'slack' | 'pagerduty' | 'webhook';

export interface PlansTable {
  id: string;
  name: string;
  monthly_events: number;
  price_cents: number;
}

export interface FeatureFlagsTable {
  key: string;
  enabled: boolean;
  rollout_percent: number;
}

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string | null;
}

export interface UserSessionsTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  expires_at: Date;
}

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  plan_id: string;
  created_at: CreatedAt;
}

export interface OrganizationMembersTable {
  organization_id: string;
  user_id: string;
  role: MemberRole;
}

export interface ProjectsTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  slug: string;
  created_at: CreatedAt;
}

export interface ApiKeysTable {
  id: Generated<string>;
  organization_id: string;
  project_id: string;
  key_hash: string;
  /** First 8 characters of the key, shown in the UI so users can tell keys apart. */
  prefix: string;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface AlertRulesTable {
  id: Generated<string>;
  organization_id: string;
  project_id: string;
  name: string;
  query: string;
  threshold: number;
  enabled: Generated<boolean>;
}

/** One row per evaluation that changed state. Owned through `alert_rules`. */
export interface AlertHistoryTable {
  id: Generated<string>;
  alert_rule_id: string;
  triggered_at: CreatedAt;
  value: number;
  status: AlertStatus;
}

export interface WebhooksTable {
  id: Generated<string>;
  organization_id: string;
  url: string;
  secret: string;
  events: ColumnType<string[], string[], string[]>;
}

/** Owned through `webhooks`. */
export interface WebhookDeliveriesTable {
  id: Generated<string>;
  webhook_id: string;
  status_code: number | null;
  attempted_at: CreatedAt;
}

export interface AuditLogTable {
  id: Generated<string>;
  /** Null for platform-level events (plan catalogue edits, flag changes). */
  organization_id: string | null;
  actor_id: string | null;
  action: string;
  target: string;
  created_at: CreatedAt;
}

export interface UsageRecordsTable {
  id: Generated<string>;
  organization_id: string;
  metric: string;
  quantity: number;
  period_start: Date;
}

export interface DashboardsTable {
  id: Generated<string>;
  organization_id: string;
  project_id: string;
  name: string;
  layout: JSONColumnType<DashboardLayout>;
  is_public: Generated<boolean>;
}

export interface NotificationChannelsTable {
  id: Generated<string>;
  organization_id: string;
  kind: NotificationKind;
  config: JSONColumnType<Record<string, unknown>>;
}

export interface LogsTable {
  id: Generated<string>;
  project_id: string;
  timestamp: ColumnType<Date, Date | string, never>;
  level: LogLevel;
  message: string;
  attributes: JSONColumnType<Record<string, unknown>>;
}

export interface SavedSearchesTable {
  id: Generated<string>;
  project_id: string;
  created_by: string;
  name: string;
  query: string;
}

export interface DashboardWidget {
  id: string;
  kind: 'timeseries' | 'table' | 'counter';
  query: string;
  position: { x: number; y: number; w: number; h: number };
}

export interface DashboardLayout {
  version: 2;
  widgets: DashboardWidget[];
}

export interface Database {
  organizations: OrganizationsTable;
  plans: PlansTable;
  feature_flags: FeatureFlagsTable;
  users: UsersTable;
  organization_members: OrganizationMembersTable;
  projects: ProjectsTable;
  api_keys: ApiKeysTable;
  logs: LogsTable;
  saved_searches: SavedSearchesTable;
  alert_rules: AlertRulesTable;
  alert_history: AlertHistoryTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  audit_log: AuditLogTable;
  usage_records: UsageRecordsTable;
  user_sessions: UserSessionsTable;
  dashboards: DashboardsTable;
  notification_channels: NotificationChannelsTable;
}

export type Organization = Selectable<OrganizationsTable>;
export type Plan = Selectable<PlansTable>;
export type Project = Selectable<ProjectsTable>;
export type LogRow = Selectable<LogsTable>;
export type SavedSearch = Selectable<SavedSearchesTable>;
export type AlertRule = Selectable<AlertRulesTable>;
export type Webhook = Selectable<WebhooksTable>;
export type NewWebhook = Insertable<WebhooksTable>;
export type AuditLogEntry = Selectable<AuditLogTable>;
export type Dashboard = Selectable<DashboardsTable>;
