import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { db } from '../../db/client';
import { AlertsService } from './service';

vi.mock('../jobs/queues', () => ({
  alertEvaluationQueue: { add: vi.fn(), removeRepeatableByKey: vi.fn().mockResolvedValue(true) },
}));

describe('AlertsService', () => {
  const service = new AlertsService(db);
  let orgId: string;
  let projectId: string;

  beforeAll(async () => {
    ({ id: orgId } = await db.insertInto('organizations').values({ name: 'Acme', plan_id: 'free' }).returning('id').executeTakeFirstOrThrow());
    ({ id: projectId } = await db
      .insertInto('projects')
      .values({ organization_id: orgId, name: 'api', slug: 'api' })
      .returning('id')
      .executeTakeFirstOrThrow());
  });

  afterAll(async () => {
    await db.deleteFrom('alert_rules').where('organization_id', '=', orgId).execute();
    await db.deleteFrom('projects').where('organization_id', '=', orgId).execute();
    await db.deleteFrom('organizations').where('id', '=', orgId).execute();
  });

  it('creates a rule and lists it for the owning org', async () => {
    const rule = await service.createRule(orgId, { projectId, name: '5xx spike', query: 'status:>=500', threshold: 10 }, 'user-1');
    const rules = await service.listRules(orgId);
    expect(rules.map((r) => r.id)).toContain(rule.id);
  });

  it('disables a rule', async () => {
    const rule = await service.createRule(orgId, { projectId, name: 'noisy', query: 'level:warn', threshold: 1 }, 'user-1');
    await service.disableRule(rule.id);
    const row = await db.selectFrom('alert_rules').select('enabled').where('id', '=', rule.id).executeTakeFirstOrThrow();
    expect(row.enabled).toBe(false);
  });
});
