import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { db } from '../../src/db/client';
import type { Webhook } from '../../src/db/schema';
import { webhookDeliveryQueue, type WebhookDeliveryJob } from '../../src/modules/jobs/queues';
import { processWebhookDelivery, signPayload } from '../../src/modules/webhooks/delivery';
import { webhooksService } from '../../src/modules/webhooks/service';
import { dropTenants, seedTwoTenants, type TenantFixture } from './fixtures';

vi.mock('../../src/modules/jobs/queues', () => ({ webhookDeliveryQueue: { add: vi.fn() } }));

describe('Webhook delivery: tenant isolation', () => {
  let orgA: TenantFixture;
  let orgB: TenantFixture;
  let hookA: Webhook;
  let hookB: Webhook;
  const fetchMock = vi.fn(async () => new Response(null, { status: 200 }));

  beforeAll(async () => {
    ({ orgA, orgB } = await seedTwoTenants('webhooks'));
    const hook = (t: TenantFixture) => ({ organization_id: t.id, url: `https://${t.name}.example.test/hook`, events: ['alert.firing'] });
    hookA = await webhooksService.createWebhook(hook(orgA));
    hookB = await webhooksService.createWebhook(hook(orgB));
    await db.insertInto('webhook_deliveries').values({ webhook_id: hookB.id, status_code: 200 }).execute();
    vi.stubGlobal('fetch', fetchMock);
  });

  afterAll(async () => {
    vi.unstubAllGlobals();
    await dropTenants(orgA, orgB);
  });

  it('listWebhooks returns only org A endpoints', async () => {
    expect((await webhooksService.listWebhooks(orgA.id)).map((h) => h.id)).toEqual([hookA.id]);
  });

  it('dispatchEvent fans an org A event out to org A subscribers only', async () => {
    vi.mocked(webhookDeliveryQueue.add).mockClear();
    expect(await webhooksService.dispatchEvent(orgA.id, 'alert.firing', { name: '5xx spike' })).toBe(1);
    const jobs = vi.mocked(webhookDeliveryQueue.add).mock.calls.map(([, data]) => data as WebhookDeliveryJob);
    expect(jobs.every((j) => j.organizationId === orgA.id && j.webhookId === hookA.id)).toBe(true);
  });

  it('listDeliveries does not expose org B delivery log to org A by webhook id', async () => {
    expect(await webhooksService.listDeliveries(orgA.id, hookB.id)).toEqual([]);
  });

  it('an org A delivery job is posted to org A URL and signed with org A secret', async () => {
    const payload = { event: 'alert.firing', occurredAt: new Date().toISOString(), data: {} };
    await processWebhookDelivery({ data: { organizationId: orgA.id, webhookId: hookA.id, payload } } as Job<WebhookDeliveryJob>);

    const [url, init] = fetchMock.mock.calls.at(-1) as unknown as [string, RequestInit & { headers: Record<string, string> }];
    expect(url).toBe(hookA.url);
    const timestamp = Number(init.headers['x-logwell-timestamp']);
    expect(init.headers['x-logwell-signature']).toBe(signPayload(hookA.secret, timestamp, init.body as string));
    expect(JSON.parse(init.body as string).organizationId).toBe(orgA.id);
    const orgBDeliveries = await db.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', hookB.id).execute();
    expect(orgBDeliveries).toHaveLength(1);
  });
});
