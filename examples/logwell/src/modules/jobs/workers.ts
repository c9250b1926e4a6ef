import { Worker } from 'bullmq';
import { evaluateAlertJob } from '../alerts/evaluation';
import { processWebhookDelivery } from '../webhooks/delivery';
import { connection, createWorker } from './queues';

/**
 * Entry point for the `logwell-worker` deployment. The API process never
 * starts workers; it only enqueues.
 */
export function startWorkers(): () => Promise<void> {
  const webhookWorker = new Worker('webhook-delivery', processWebhookDelivery, {
    connection,
    concurrency: 25,
    limiter: { max: 200, duration: 1_000 },
  });

  const alertWorker = createWorker('alert-evaluation', evaluateAlertJob);

  const workers = [webhookWorker, alertWorker];
  for (const worker of workers) {
    worker.on('error', (err) => console.error(`[worker:${worker.name}]`, err));
  }

  return async () => {
    await Promise.all(workers.map((w) => w.close()));
  };
}
