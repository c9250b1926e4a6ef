/**
 * Thin client for Reservoir, the columnar time-series engine that stores
 * log payloads. Every call is partitioned by project; the only exception is
 * GLOBAL_SCOPE, which the platform maintenance jobs use for fleet-wide stats.
 */

export const GLOBAL_SCOPE = Symbol.for('logwell.reservoir.global');
export type ReservoirScope = string | typeof GLOBAL_SCOPE;

export interface ReservoirQuery {
  projectId: ReservoirScope;
  from: Date;
  to: Date;
  query?: string;
  limit?: number;
  cursor?: string;
}

export type ReservoirCountQuery = Omit<ReservoirQuery, 'projectId' | 'limit' | 'cursor'> & { projectId?: ReservoirScope };

export interface ReservoirEvent {
  id: string;
  timestamp: string;
  level: string;
  message: string;
  attributes: Record<string, unknown>;
}

export interface ReservoirResult {
  events: ReservoirEvent[];
  nextCursor: string | null;
  scannedBytes: number;
}

export interface TraceSpan {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  durationMs: number;
}

export interface ReservoirClient {
  query(params: ReservoirQuery): Promise<ReservoirResult>;
  count(params: ReservoirCountQuery): Promise<number>;
  getTraceById(traceId: string, projectId: string): Promise<TraceSpan[] | null>;
  healthCheck(): Promise<{ ok: boolean; latencyMs: number }>;
}

class HttpReservoirClient implements ReservoirClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private scopeParam(scope: ReservoirScope | undefined): string | undefined {
    if (scope === GLOBAL_SCOPE) return '*';
    return scope;
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${this.token}`,
      },
      // Dates serialize to ISO-8601, which is what the query API expects.
      body: JSON.stringify(body),
    });
    if (!res.ok) {
      throw new Error(`reservoir ${path} failed: ${res.status} ${await res.text()}`);
    }
    return (await res.json()) as T;
  }

  query(params: ReservoirQuery): Promise<ReservoirResult> {
    return this.post<ReservoirResult>('/v1/query', { ...params, projectId: this.scopeParam(params.projectId) });
  }

  async count(params: ReservoirCountQuery): Promise<number> {
    const body = { ...params, projectId: this.scopeParam(params.projectId) };
    const { total } = await this.post<{ total: number }>('/v1/count', body);
    return total;
  }

  async getTraceById(traceId: string, projectId: string): Promise<TraceSpan[] | null> {
    const { spans } = await this.post<{ spans: TraceSpan[] | null }>('/v1/trace', { traceId, projectId });
    return spans;
  }

  async healthCheck(): Promise<{ ok: boolean; latencyMs: number }> {
    const started = Date.now();
    try {
      const res = await fetch(`${this.baseUrl}/healthz`);
      return { ok: res.ok, latencyMs: Date.now() - started };
    } catch {
      return { ok: false, latencyMs: Date.now() - started };
    }
  }
}

export const reservoir: ReservoirClient = new HttpReservoirClient(
  process.env.RESERVOIR_URL ?? 'http://reservoir:8428',
  process.env.RESERVOIR_TOKEN ?? '',
);
