import { sql } from 'kysely';
import { db } from '../../db/client';
import type { Database } from '../../db/schema';
import { GLOBAL_SCOPE, reservoir } from '../../lib/reservoir';
import { startOfMonth } from '../usage/service';

/**
 * Platform maintenance tasks. These run from the `logwell-maintenance`
 * CronJob under the platform service account and intentionally operate
 * across every organization.
 */

type RetentionTable = keyof Pick<Database, 'logs' | 'alert_history' | 'webhook_deliveries' | 'user_sessions'>;

interface RetentionPolicy {
  table: RetentionTable;
  column: string;
  maxAgeDays: number;
}

const RETENTION_POLICIES: RetentionPolicy[] = [
  // Postgres only keeps the live-tail window; Reservoir has the rest.
  { table: 'logs', column: 'timestamp', maxAgeDays: 1 },
  { table: 'webhook_deliveries', column: 'attempted_at', maxAgeDays: 30 },
  { table: 'alert_history', column: 'triggered_at', maxAgeDays: 90 },
  { table: 'user_sessions', column: 'expires_at', maxAgeDays: 0 },
];

const DAY_MS = 24 * 60 * 60 * 1000;

export async function applyRetention(now: Date = new Date()): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const { table, column, maxAgeDays } of RETENTION_POLICIES) {
    const cutoff = new Date(now.getTime() - maxAgeDays * DAY_MS);
    const result = await db.deleteFrom(table).where(sql.ref(column), '<', cutoff).executeTakeFirst();
    deleted[table] = Number(result.numDeletedRows);
  }
  return deleted;
}

/** Feeds the billing export; one row per organization with usage this period. */
export async function rollupMonthlyUsage(period: Date = startOfMonth()) {
  const rows = await db
    .selectFrom('usage_records')
    .innerJoin('organizations', 'organizations.id', 'usage_records.organization_id')
    .innerJoin('plans', 'plans.id', 'organizations.plan_id')
    .select([
      'usage_records.organization_id',
      'organizations.name as organization_name',
      'plans.monthly_events',
      (eb) => eb.fn.sum<number>('usage_records.quantity').as('events'),
    ])
    .where('usage_records.metric', '=', 'events_ingested')
    .where('usage_records.period_start', '=', period)
    .groupBy(['usage_records.organization_id', 'organizations.name', 'plans.monthly_events'])
    .execute();

  return rows.map((r) => ({
    ...r,
    events: Number(r.events),
    overage: Math.max(0, Number(r.events) - r.monthly_events),
  }));
}

/** Weekly "most active tenants" report posted to #ops. */
export async function mostActiveOrganizations(since: Date, limit = 25) {
  return db
    .selectFrom('audit_log')
    .select(['organization_id', (eb) => eb.fn.countAll<number>().as('entries')])
    .where('organization_id', 'is not', null)
    .where('created_at', '>=', since)
    .groupBy('organization_id')
    .orderBy('entries', 'desc')
    .limit(limit)
    .execute();
}

export async function platformIngestStats(from: Date, to: Date) {
  const [events, health] = await Promise.all([
    reservoir.count({ projectId: GLOBAL_SCOPE, from, to }),
    reservoir.healthCheck(),
  ]);
  return { events, reservoirHealthy: health.ok, reservoirLatencyMs: health.latencyMs };
}

export async function runNightlyMaintenance(): Promise<void> {
  const started = Date.now();
  const deleted = await applyRetention();
  const rollup = await rollupMonthlyUsage();
  const overLimit = rollup.filter((r) => r.overage > 0).length;
  console.info('[maintenance] done', { deleted, billed: rollup.length, overLimit, ms: Date.now() - started });
}

/** Runs one of the canned SQL reports from the staff console. */
export async function runStaffReport(reportSql: string) {
  const result = await sql.raw<Record<string, unknown>>(reportSql).execute(db);
  return result.rows;
}
