import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { db } from '../../db/client';
import type { Database, NewWebhook, Webhook } from '../../db/schema';
import { webhookDeliveryQueue, type WebhookPayload } from '../jobs/queues';

export type CreateWebhookInput = Omit<NewWebhook, 'id' | 'secret'>;

export class WebhooksService {
  constructor(private readonly db: Kysely<Database>) {}

  async listWebhooks(orgId: string) {
    return this.db
      .selectFrom('webhooks')
      .select(['id', 'url', 'events'])
      .where('organization_id', '=', orgId)
      .orderBy('url')
      .execute();
  }

  /** `input` is validated by the route schema and carries the org from the URL. */
  async createWebhook(input: CreateWebhookInput): Promise<Webhook> {
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    return this.db
      .insertInto('webhooks')
      .values({ ...input, secret })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async listDeliveries(orgId: string, webhookId: string, limit = 50) {
    return this.db
      .selectFrom('webhook_deliveries as wd')
      .innerJoin('webhooks as w', 'w.id', 'wd.webhook_id')
      .select(['wd.id', 'wd.status_code', 'wd.attempted_at'])
      .where('w.organization_id', '=', orgId)
      .where('w.id', '=', webhookId)
      .orderBy('wd.attempted_at', 'desc')
      .limit(limit)
      .execute();
  }

  /** Fans an event out to every subscribed endpoint of the organization. */
  async dispatchEvent(orgId: string, event: string, data: Record<string, unknown>): Promise<number> {
    const hooks = await this.db
      .selectFrom('webhooks')
      .select('id')
      .where('organization_id', '=', orgId)
      .where((eb) => eb(eb.val(event), '=', eb.fn.any('events')))
      .execute();

    const payload: WebhookPayload = { event, occurredAt: new Date().toISOString(), data };
    await Promise.all(
      hooks.map((hook) =>
        webhookDeliveryQueue.add('deliver', { organizationId: orgId, webhookId: hook.id, payload }),
      ),
    );
    return hooks.length;
  }
}

export const webhooksService = new WebhooksService(db);
