import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { db } from '../../src/db/client';
import type { AlertRule, Webhook } from '../../src/db/schema';
import { evaluateAlertJob } from '../../src/modules/alerts/evaluation';
import { alertsService } from '../../src/modules/alerts/service';
import { webhookDeliveryQueue, type AlertEvaluationJob, type WebhookDeliveryJob } from '../../src/modules/jobs/queues';
import { startOfMonth, summarizeUsage } from '../../src/modules/usage/service';
import { processWebhookDelivery } from '../../src/modules/webhooks/delivery';
import { webhooksService } from '../../src/modules/webhooks/service';
import { dropTenants, seedTwoTenants, type TenantFixture } from './fixtures';

vi.mock('../../src/modules/jobs/queues', () => ({
  alertEvaluationQueue: { add: vi.fn(), removeRepeatableByKey: vi.fn().mockResolvedValue(true) },
  webhookDeliveryQueue: { add: vi.fn() },
}));
vi.mock('../../src/lib/reservoir', () => ({ reservoir: { count: vi.fn().mockResolvedValue(42) } }));

// Runs org A's jobs end to end: alert-evaluation worker, then the webhook-delivery worker on what it enqueued.
describe('Pipeline execution: tenant isolation', () => {
  let orgA: TenantFixture;
  let orgB: TenantFixture;
  const hooks: Record<string, Webhook> = {};
  const rules: Record<string, AlertRule> = {};
  const fetchMock = vi.fn(async () => new Response(null, { status: 204 }));
  let enqueued: WebhookDeliveryJob[] = [];

  beforeAll(async () => {
    ({ orgA, orgB } = await seedTwoTenants('pipeline'));
    for (const t of [orgA, orgB]) {
      hooks[t.id] = await webhooksService.createWebhook({ organization_id: t.id, url: `https://${t.name}.example.test/hook`, events: ['alert.firing'] });
      rules[t.id] = await alertsService.createRule(t.id, { projectId: t.project.id, name: 'errors', query: 'level:error', threshold: 1 }, 'seed');
    }
    vi.stubGlobal('fetch', fetchMock);

    await evaluateAlertJob({ data: { alertRuleId: rules[orgA.id].id } } as Job<AlertEvaluationJob>);
    enqueued = vi.mocked(webhookDeliveryQueue.add).mock.calls.map(([, data]) => data as WebhookDeliveryJob);
    for (const data of enqueued) {
      await processWebhookDelivery({ data } as Job<WebhookDeliveryJob>);
    }
  });

  afterAll(async () => {
    vi.unstubAllGlobals();
    await dropTenants(orgA, orgB);
  });

  it('every job org A produces carries org A and one of its own endpoints', () => {
    expect(enqueued).toHaveLength(1);
    expect(enqueued.every((j) => j.organizationId === orgA.id && j.webhookId === hooks[orgA.id].id)).toBe(true);
  });

  it('the delivery worker only posts to org A endpoints with org A in the body', () => {
    expect(fetchMock.mock.calls.map(([url]) => url)).toEqual([hooks[orgA.id].url]);
    const [, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(JSON.parse(init.body as string).organizationId).toBe(orgA.id);
  });

  it('leaves org B alert history, delivery log and usage counters untouched', async () => {
    const history = await db.selectFrom('alert_history').select('id').where('alert_rule_id', '=', rules[orgB.id].id).execute();
    const deliveries = await db.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', hooks[orgB.id].id).execute();
    expect([...history, ...deliveries]).toEqual([]);
    expect(await summarizeUsage(orgB.id, startOfMonth())).toEqual([]);
  });
});
