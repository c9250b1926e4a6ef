import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { db } from '../../src/db/client';
import type { AlertRule } from '../../src/db/schema';
import { evaluateAlertJob } from '../../src/modules/alerts/evaluation';
import { alertsService, listOrgAlertHistory } from '../../src/modules/alerts/service';
import type { AlertEvaluationJob } from '../../src/modules/jobs/queues';
import { webhooksService } from '../../src/modules/webhooks/service';
import { dropTenants, seedTwoTenants, type TenantFixture } from './fixtures';

vi.mock('../../src/modules/jobs/queues', () => ({
  alertEvaluationQueue: { add: vi.fn(), removeRepeatableByKey: vi.fn().mockResolvedValue(true) },
  webhookDeliveryQueue: { add: vi.fn() },
}));
vi.mock('../../src/lib/reservoir', () => ({ reservoir: { count: vi.fn().mockResolvedValue(42) } }));

const evaluate = (rule: AlertRule) => evaluateAlertJob({ data: { alertRuleId: rule.id } } as Job<AlertEvaluationJob>);

describe('Alert evaluation: tenant isolation', () => {
  let orgA: TenantFixture;
  let orgB: TenantFixture;
  let ruleA: AlertRule;
  let ruleB: AlertRule;
  const since = new Date(Date.now() - 60 * 60_000);

  beforeAll(async () => {
    ({ orgA, orgB } = await seedTwoTenants('alerts'));
    // Identical rules in both orgs: same name, query and threshold.
    const input = (t: TenantFixture) => ({ projectId: t.project.id, name: '5xx spike', query: 'status:>=500', threshold: 10 });
    ruleA = await alertsService.createRule(orgA.id, input(orgA), 'seed');
    ruleB = await alertsService.createRule(orgB.id, input(orgB), 'seed');
  });

  afterAll(async () => {
    await dropTenants(orgA, orgB);
  });

  it('listRules and listEnabledRules return only org A rules', async () => {
    expect((await alertsService.listRules(orgA.id)).map((r) => r.id)).toEqual([ruleA.id]);
    const enabled = await alertsService.listEnabledRules(orgA.id);
    expect(enabled.every((r) => r.organization_id === orgA.id)).toBe(true);
  });

  it('evaluating an org A rule writes history and dispatches events for org A only', async () => {
    const dispatch = vi.spyOn(webhooksService, 'dispatchEvent');
    await evaluate(ruleA);

    expect(dispatch).toHaveBeenCalledWith(orgA.id, 'alert.firing', expect.objectContaining({ alertRuleId: ruleA.id }));
    expect(dispatch.mock.calls.every(([orgId]) => orgId === orgA.id)).toBe(true);
    const orgBHistory = await db.selectFrom('alert_history').select('id').where('alert_rule_id', '=', ruleB.id).execute();
    expect(orgBHistory).toEqual([]);
  });

  it('getAlertActivity and listOrgAlertHistory hide org B incidents', async () => {
    await evaluate(ruleA);
    await evaluate(ruleB);

    const activity = await alertsService.getAlertActivity(orgA.id);
    expect(activity).toHaveLength(1);
    const history = await listOrgAlertHistory(orgA.id, since);
    expect(history.every((h) => h.alert_rule_id === ruleA.id)).toBe(true);
    expect(history.map((h) => h.id)).toEqual(activity.map((a) => a.id));
  });
});
