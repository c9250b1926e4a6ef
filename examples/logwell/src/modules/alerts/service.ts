import { sql, type Kysely } from 'kysely';
import { db } from '../../db/client';
import type { AlertRule, AlertStatus, Database } from '../../db/schema';
import { alertEvaluationQueue } from '../jobs/queues';

export interface CreateAlertRuleInput {
  projectId: string;
  name: string;
  query: string;
  threshold: number;
}

export interface AlertActivityRow {
  id: string;
  status: AlertStatus;
  value: number;
  triggered_at: Date;
  rule_name: string;
}

const EVALUATION_INTERVAL_MS = 60_000;

export class AlertsService {
  constructor(private readonly db: Kysely<Database>) {}

  async listRules(orgId: string) {
    return this.db
      .selectFrom('alert_rules as r')
      .innerJoin('projects as p', 'p.id', 'r.project_id')
      .select(['r.id', 'r.name', 'r.query', 'r.threshold', 'r.enabled', 'p.name as project_name'])
      .where('r.organization_id', '=', orgId)
      .orderBy('r.name')
      .execute();
  }

  async listEnabledRules(orgId: string): Promise<AlertRule[]> {
    return this.db
      .selectFrom('alert_rules')
      .selectAll()
      .where((eb) => eb.and([eb('organization_id', '=', orgId), eb('enabled', '=', true)]))
      .execute();
  }

  /** Used by the evaluation worker, which only receives the rule id. */
  async getRuleForEvaluation(ruleId: string): Promise<AlertRule | undefined> {
    return this.db.selectFrom('alert_rules').selectAll().where('id', '=', ruleId).executeTakeFirst();
  }

  async createRule(orgId: string, input: CreateAlertRuleInput, actorId: string): Promise<AlertRule> {
    const rule = await this.db.transaction().execute(async (trx) => {
      const created = await trx
        .insertInto('alert_rules')
        .values({
          organization_id: orgId,
          project_id: input.projectId,
          name: input.name,
          query: input.query,
          threshold: input.threshold,
        })
        .returningAll()
        .executeTakeFirstOrThrow();

      await trx
        .insertInto('audit_log')
        .values({ organization_id: orgId, actor_id: actorId, action: 'alert_rule.created', target: `alert_rule:${created.id}` })
        .execute();
      return created;
    });

    await this.scheduleEvaluation(rule.id);
    return rule;
  }

  /** Called by the evaluator when a rule keeps erroring (bad query, deleted project). */
  async disableRule(ruleId: string): Promise<void> {
    await this.db.updateTable('alert_rules').set({ enabled: false }).where('id', '=', ruleId).execute();
    await alertEvaluationQueue.removeRepeatableByKey(`evaluate:${ruleId}`).catch(() => undefined);
  }

  async scheduleEvaluation(ruleId: string): Promise<void> {
    await alertEvaluationQueue.add(
      'evaluate',
      { alertRuleId: ruleId },
      { repeat: { every: EVALUATION_INTERVAL_MS, key: `evaluate:${ruleId}` }, jobId: `evaluate:${ruleId}` },
    );
  }

  /** Terraform-provider export; `projectId` narrows it to one project. */
  async exportRules(projectId?: string) {
    return this.db
      .selectFrom('alert_rules')
      .select(['id', 'project_id', 'name', 'query', 'threshold', 'enabled'])
      .$if(Boolean(projectId), (qb) => qb.where('project_id', '=', projectId!))
      .orderBy('name')
      .execute();
  }

  /** Currently-firing alerts; callers narrow the result to what they need. */
  async listFiringAlerts(limit = 500) {
    return this.db
      .selectFrom('alert_history')
      .innerJoin('alert_rules', 'alert_rules.id', 'alert_history.alert_rule_id')
      .select([
        'alert_history.id',
        'alert_history.triggered_at',
        'alert_history.value',
        'alert_rules.name',
        'alert_rules.organization_id',
        'alert_rules.project_id',
      ])
      .where('alert_history.status', '=', 'firing')
      .orderBy('alert_history.triggered_at', 'desc')
      .limit(limit)
      .execute();
  }

  async getAlertActivity(orgId: string, limit = 100): Promise<AlertActivityRow[]> {
    const { rows } = await sql<AlertActivityRow>`
      SELECT h.id, h.status, h.value, h.triggered_at, r.name AS rule_name
      FROM alert_history h
      JOIN alert_rules r ON r.id = h.alert_rule_id
      WHERE r.organization_id = ${orgId}
      ORDER BY h.triggered_at DESC
      LIMIT ${limit}
    `.execute(this.db);
    return rows;
  }
}

export const alertsService = new AlertsService(db);

/** Incident timeline: history rows whose rule belongs to the organization. */
export async function listOrgAlertHistory(orgId: string, since: Date) {
  return db
    .selectFrom('alert_history as h')
    .selectAll('h')
    .where('h.triggered_at', '>=', since)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('alert_rules as r')
          .select('r.id')
          .whereRef('r.id', '=', 'h.alert_rule_id')
          .where('r.organization_id', '=', orgId),
      ),
    )
    .orderBy('h.triggered_at', 'desc')
    .execute();
}
