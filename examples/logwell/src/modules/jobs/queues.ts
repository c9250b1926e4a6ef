import { Queue, Worker, type JobsOptions, type Processor, type QueueOptions } from 'bullmq';

const redisUrl = new URL(process.env.QUEUE_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://localhost:6379');

/** BullMQ needs its own connection settings (blocking commands, no retry cap). */
export const connection = {
  host: redisUrl.hostname,
  port: Number(redisUrl.port || 6379),
  password: redisUrl.password || undefined,
  maxRetriesPerRequest: null,
};

export interface WebhookPayload {
  event: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

export interface WebhookDeliveryJob {
  organizationId: string;
  webhookId: string;
  payload: WebhookPayload;
}

export interface AlertEvaluationJob {
  alertRuleId: string;
}

const defaultJobOptions: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: 1_000,
  removeOnFail: 5_000,
};

export function createQueue<T>(name: string, opts: Partial<QueueOptions> = {}): Queue<T> {
  return new Queue<T>(name, { connection, defaultJobOptions, ...opts });
}

export function createWorker<T>(name: string, processor: Processor<T>, concurrency = 10): Worker<T> {
  const worker = new Worker<T>(name, processor, { connection, concurrency });
  worker.on('failed', (job, err) => {
    console.error(`[${name}] job ${job?.id ?? '?'} failed after ${job?.attemptsMade ?? 0} attempts`, err);
  });
  return worker;
}

export const webhookDeliveryQueue: Queue<WebhookDeliveryJob> = new Queue('webhook-delivery', {
  connection,
  defaultJobOptions: { ...defaultJobOptions, attempts: 8 },
});

export const alertEvaluationQueue: Queue<AlertEvaluationJob> = createQueue('alert-evaluation');
