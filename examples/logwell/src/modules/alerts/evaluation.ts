import type { Job } from 'bullmq';
import { db } from '../../db/client';
import type { AlertStatus } from '../../db/schema';
import { reservoir } from '../../lib/reservoir';
import type { AlertEvaluationJob } from '../jobs/queues';
import { recordUsage } from '../usage/service';
import { webhooksService } from '../webhooks/service';
import { alertsService } from './service';

const WINDOW_MS = 5 * 60_000;
const MAX_CONSECUTIVE_ERRORS = 5;

async function recentStatuses(alertRuleId: string, n: number): Promise<AlertStatus[]> {
  const rows = await db
    .selectFrom('alert_history')
    .select('status')
    .where('alert_rule_id', '=', alertRuleId)
    .orderBy('triggered_at', 'desc')
    .limit(n)
    .execute();
  return rows.map((r) => r.status);
}

export async function evaluateAlertJob(job: Job<AlertEvaluationJob>): Promise<void> {
  const { alertRuleId } = job.data;

  const rule = await alertsService.getRuleForEvaluation(alertRuleId);
  if (!rule || !rule.enabled) return;

  const to = new Date();
  const from = new Date(to.getTime() - WINDOW_MS);
  const history = await recentStatuses(rule.id, MAX_CONSECUTIVE_ERRORS);
  const previous = history[0] ?? 'resolved';

  let value: number;
  try {
    value = await reservoir.count({ projectId: rule.project_id, from, to, query: rule.query });
  } catch (err) {
    await db.insertInto('alert_history').values({ alert_rule_id: rule.id, value: -1, status: 'errored' }).execute();
    const errors = [...history.slice(0, MAX_CONSECUTIVE_ERRORS - 1), 'errored'];
    if (errors.length >= MAX_CONSECUTIVE_ERRORS && errors.every((s) => s === 'errored')) {
      await alertsService.disableRule(rule.id);
    }
    throw err;
  }

  await recordUsage(rule.organization_id, 'alert_evaluations', 1);

  const status: AlertStatus = value >= rule.threshold ? 'firing' : 'resolved';
  if (status === previous) return;

  await db.insertInto('alert_history').values({ alert_rule_id: rule.id, value, status }).execute();
  await webhooksService.dispatchEvent(rule.organization_id, `alert.${status}`, {
    alertRuleId: rule.id,
    projectId: rule.project_id,
    name: rule.name,
    value,
    threshold: rule.threshold,
  });
}
