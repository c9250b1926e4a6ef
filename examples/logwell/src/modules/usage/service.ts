import { sql } from 'kysely';
import { db } from '../../db/client';
import { organizationsService } from '../organizations/service';

export type UsageMetric = 'events_ingested' | 'bytes_ingested' | 'alert_evaluations' | 'webhook_deliveries';

export interface UsageRow {
  metric: UsageMetric;
  total: number;
}

export interface QuotaStatus {
  used: number;
  limit: number;
  exceeded: boolean;
}

export function startOfMonth(at: Date = new Date()): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/**
 * Increments a monthly counter. Called from the ingest path in batches, so
 * it must be a single round-trip.
 */
export async function recordUsage(orgId: string, metric: UsageMetric, qty: number, at: Date = new Date()) {
  if (qty <= 0) return;
  await db
    .insertInto('usage_records')
    .values({
      organization_id: orgId,
      metric,
      quantity: qty,
      period_start: startOfMonth(at),
    })
    .onConflict((oc) =>
      oc.columns(['organization_id', 'metric', 'period_start']).doUpdateSet({
        quantity: (eb) => eb('usage_records.quantity', '+', qty),
      }),
    )
    .execute();
}

export async function summarizeUsage(orgId: string, from: Date): Promise<UsageRow[]> {
  const { rows } = await sql<UsageRow>`SELECT metric, SUM(quantity) AS total FROM usage_records WHERE organization_id = ${orgId} AND period_start >= ${from} GROUP BY metric`.execute(db);
  return rows;
}

export async function checkEventQuota(orgId: string): Promise<QuotaStatus> {
  const [plan, usage] = await Promise.all([
    organizationsService.getPlan(orgId),
    summarizeUsage(orgId, startOfMonth()),
  ]);
  const used = Number(usage.find((u) => u.metric === 'events_ingested')?.total ?? 0);
  return { used, limit: plan.monthly_events, exceeded: used >= plan.monthly_events };
}

// Countable resources (seats on the pricing page) are metered straight from
// their own tables instead of being tracked in usage_records.
const RESOURCE_TABLES = {
  projects: 'projects',
  dashboards: 'dashboards',
  alert_rules: 'alert_rules',
  webhooks: 'webhooks',
} as const;

export type ResourceMetric = keyof typeof RESOURCE_TABLES;

function tableForMetric(metric: ResourceMetric): (typeof RESOURCE_TABLES)[ResourceMetric] {
  return RESOURCE_TABLES[metric];
}

export async function countResources(orgId: string, metric: ResourceMetric): Promise<number> {
  const row = await db
    .selectFrom(tableForMetric(metric) as any)
    .select((eb: any) => eb.fn.countAll().as('count'))
    .where('organization_id', '=', orgId)
    .executeTakeFirst();
  return Number((row as { count?: string | number } | undefined)?.count ?? 0);
}
