import { createHash } from 'node:crypto';
import Redis from 'ioredis';

export const redis = new Redis(process.env.REDIS_URL ?? 'redis://localhost:6379', {
  lazyConnect: false,
  enableAutoPipelining: true,
});

/** Stable short hash of a params object; key order does not matter. */
export function hashParams(params: Record<string, unknown>): string {
  const normalized = Object.keys(params)
    .sort()
    .map((k) => [k, params[k]]);
  return createHash('sha1').update(JSON.stringify(normalized)).digest('hex').slice(0, 16);
}

export class CacheManager {
  constructor(
    private readonly client: Redis = redis,
    private readonly namespace = 'lw',
  ) {}

  /** Key for a cached log query result. */
  static queryKey(projectId: string, params: Record<string, unknown>): string {
    return `query:${projectId}:${hashParams(params)}`;
  }

  private k(key: string): string {
    return `${this.namespace}:${key}`;
  }

  async get<T>(key: string): Promise<T | null> {
    const raw = await this.client.get(this.k(key));
    if (raw === null) return null;
    try {
      return JSON.parse(raw) as T;
    } catch {
      await this.client.del(this.k(key));
      return null;
    }
  }

  async set<T>(key: string, value: T, ttlSeconds = 60): Promise<void> {
    await this.client.set(this.k(key), JSON.stringify(value), 'EX', ttlSeconds);
  }

  async getOrSet<T>(key: string, ttlSeconds: number, load: () => Promise<T>): Promise<T> {
    const hit = await this.get<T>(key);
    if (hit !== null) return hit;
    const value = await load();
    await this.set(key, value, ttlSeconds);
    return value;
  }

  async invalidate(...keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.client.unlink(...keys.map((key) => this.k(key)));
  }
}

export const cache = new CacheManager();
