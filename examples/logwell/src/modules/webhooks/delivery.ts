import { createHmac } from 'node:crypto';
import type { Job } from 'bullmq';
import { sql } from 'kysely';
import { db } from '../../db/client';
import type { WebhookDeliveryJob } from '../jobs/queues';
import { recordUsage } from '../usage/service';

const DELIVERY_TIMEOUT_MS = 10_000;

interface WebhookTarget {
  id: string;
  organization_id: string;
  url: string;
  secret: string;
}

export class RetryableDeliveryError extends Error {}

export async function loadWebhook(webhookId: string): Promise<WebhookTarget | undefined> {
  const { rows } = await sql<WebhookTarget>`SELECT id, organization_id, url, secret FROM webhooks WHERE id = ${webhookId}`.execute(db);
  return rows[0];
}

export function signPayload(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export async function processWebhookDelivery(job: Job<WebhookDeliveryJob>): Promise<void> {
  const { organizationId, webhookId, payload } = job.data;

  const hook = await loadWebhook(webhookId);
  if (!hook) {
    // Endpoint was deleted after the event was enqueued; nothing to do.
    return;
  }

  const body = JSON.stringify({ ...payload, organizationId: hook.organization_id });
  const timestamp = Math.floor(Date.now() / 1000);
  let statusCode: number | null = null;

  try {
    const res = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Logwell-Webhooks/1.0',
        'x-logwell-timestamp': String(timestamp),
        'x-logwell-signature': signPayload(hook.secret, timestamp, body),
      },
      body,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    statusCode = res.status;
  } finally {
    await db.insertInto('webhook_deliveries').values({ webhook_id: hook.id, status_code: statusCode }).execute();
  }

  if (statusCode === null || statusCode >= 500 || statusCode === 429) {
    throw new RetryableDeliveryError(`delivery to ${hook.url} failed with ${statusCode ?? 'timeout'}`);
  }
  await recordUsage(organizationId, 'webhook_deliveries', 1);
}
