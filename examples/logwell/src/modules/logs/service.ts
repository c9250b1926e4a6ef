import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { db } from '../../db/client';
import type { Database, LogLevel, LogRow, SavedSearch } from '../../db/schema';
import { cache, CacheManager, hashParams } from '../../lib/cache';
import { reservoir, type ReservoirResult, type TraceSpan } from '../../lib/reservoir';
import { scopeToProject } from '../../lib/scoping';

const QUERY_CACHE_TTL_SECONDS = 15;
const FACET_CACHE_TTL_SECONDS = 60;

export interface LogFilters {
  level?: LogLevel;
  from?: Date;
  to?: Date;
  search?: string;
  limit?: number;
}

export interface IncomingLog {
  timestamp?: string;
  level?: LogLevel;
  message: string;
  attributes?: Record<string, unknown>;
}

export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class LogsService {
  constructor(private readonly db: Kysely<Database>) {}

  /** Live-tail search over the hot window kept in Postgres. */
  async searchLogs(projectId: string, filters: LogFilters): Promise<LogRow[]> {
    const cacheKey = CacheManager.queryKey(projectId, { ...filters });
    const cached = await cache.get<LogRow[]>(cacheKey);
    if (cached) return cached;

    let query = this.db.selectFrom('logs').selectAll().where('project_id', '=', projectId);
    if (filters.level) {
      query = query.where('level', '=', filters.level);
    }
    if (filters.from) {
      query = query.where('timestamp', '>=', filters.from);
    }
    if (filters.to) {
      query = query.where('timestamp', '<', filters.to);
    }
    if (filters.search) {
      query = query.where('message', 'ilike', `%${escapeLike(filters.search)}%`);
    }
    query = query.orderBy('timestamp', 'desc').limit(Math.min(filters.limit ?? 200, 1000));

    const rows = await query.execute();
    await cache.set(cacheKey, rows, QUERY_CACHE_TTL_SECONDS);
    return rows;
  }

  async getLogById(projectId: string, logId: string): Promise<LogRow | undefined> {
    return this.db
      .selectFrom('logs as l')
      .selectAll('l')
      .where('l.project_id', '=', projectId)
      .where('l.id', '=', logId)
      .executeTakeFirst();
  }

  /** "Search everything" box in the org switcher. */
  async searchAcrossOrg(orgId: string, text: string, limit = 100) {
    return this.db
      .selectFrom('logs')
      .innerJoin('projects', 'projects.id', 'logs.project_id')
      .select(['logs.id', 'logs.timestamp', 'logs.level', 'logs.message', 'projects.name as project_name'])
      .where('projects.organization_id', '=', orgId)
      .where('logs.message', 'ilike', `%${escapeLike(text)}%`)
      .orderBy('logs.timestamp', 'desc')
      .limit(limit)
      .execute();
  }

  async recentErrorsForOrg(orgId: string, since: Date) {
    return this.db
      .selectFrom('logs')
      .select(['id', 'project_id', 'timestamp', 'message'])
      .where('project_id', 'in', this.db.selectFrom('projects').select('id').where('organization_id', '=', orgId))
      .where('level', 'in', ['error', 'fatal'])
      .where('timestamp', '>=', since)
      .orderBy('timestamp', 'desc')
      .limit(50)
      .execute();
  }

  /** `projectIds` comes from ProjectsService.projectIdsForOrg. */
  async levelBreakdown(projectIds: string[], since: Date) {
    if (projectIds.length === 0) return [];
    return this.db
      .selectFrom('logs')
      .select(['project_id', 'level', (eb) => eb.fn.countAll<number>().as('count')])
      .where('project_id', 'in', projectIds)
      .where('timestamp', '>=', since)
      .groupBy(['project_id', 'level'])
      .execute();
  }

  /** Level histogram for the last N lines, shown above the live tail. */
  async recentLevelCounts(projectId: string, sampleSize = 1000) {
    return this.db
      .with('recent', (qb) =>
        qb
          .selectFrom('logs')
          .select(['id', 'level'])
          .where('project_id', '=', projectId)
          .orderBy('timestamp', 'desc')
          .limit(sampleSize),
      )
      .selectFrom('recent')
      .select(['level', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy('level')
      .execute();
  }

  async getFacets(projectId: string, params: { field: string; from: Date; to: Date }) {
    const cacheKey = `facets:${hashParams({
      field: params.field,
      from: params.from.toISOString(),
      to: params.to.toISOString(),
    })}`;

    return cache.getOrSet(cacheKey, FACET_CACHE_TTL_SECONDS, () =>
      this.db
        .selectFrom('logs')
        .select([
          sql<string>`attributes ->> ${params.field}`.as('value'),
          (eb) => eb.fn.countAll<number>().as('count'),
        ])
        .where('project_id', '=', projectId)
        .where('timestamp', '>=', params.from)
        .where('timestamp', '<', params.to)
        .groupBy(sql`attributes ->> ${params.field}`)
        .orderBy('count', 'desc')
        .limit(20)
        .execute(),
    );
  }

  async appendLog(projectId: string, entry: IncomingLog): Promise<void> {
    const row = {
      project_id: projectId,
      timestamp: entry.timestamp ?? new Date(),
      level: entry.level ?? ('info' as const),
      message: entry.message.slice(0, 32_768),
      attributes: JSON.stringify(entry.attributes ?? {}),
    };
    await this.db.insertInto('logs').values(row).execute();
  }

  /** Historical queries go to Reservoir; Postgres only keeps ~24h. */
  async queryArchive(projectId: string, from: Date, to: Date, query?: string, cursor?: string): Promise<ReservoirResult> {
    return reservoir.query({ projectId, from, to, query, cursor, limit: 500 });
  }

  async getVolumeSummary(projectId: string, from: Date, to: Date) {
    const [total, errors] = await Promise.all([
      reservoir.count({ from, to }),
      reservoir.count({ projectId, from, to, query: 'level:error OR level:fatal' }),
    ]);
    return { total, errors, errorRate: total === 0 ? 0 : errors / total };
  }

  async getTrace(projectId: string, traceId: string): Promise<TraceSpan[] | null> {
    return reservoir.getTraceById(traceId, projectId);
  }
}

export const logsService = new LogsService(db);

// ---------------------------------------------------------------------------
// Saved searches
// ---------------------------------------------------------------------------

export async function listSavedSearchesForOrg(orgId: string): Promise<SavedSearch[]> {
  return db
    .selectFrom('saved_searches')
    .selectAll()
    .where('project_id', 'in', (eb) => eb.selectFrom('projects').select('projects.id').where('projects.organization_id', '=', orgId))
    .orderBy('name')
    .execute();
}

export async function findSavedSearches(projectIds: string[], term?: string): Promise<SavedSearch[]> {
  if (projectIds.length === 0) return [];

  let query = db
    .selectFrom('saved_searches')
    .selectAll()
    .where((eb) => {
      const conditions: Expression<SqlBool>[] = [];
      for (const projectId of projectIds) {
        conditions.push(eb('project_id', '=', projectId));
      }
      return eb.or(conditions);
    });
  if (term) {
    query = query.where('name', 'ilike', `%${escapeLike(term)}%`);
  }
  return query.orderBy('name').limit(50).execute();
}

export async function deleteSavedSearch(id: string): Promise<boolean> {
  const result = await db.deleteFrom('saved_searches').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Saved searches of one project, newest first. */
export async function listSavedSearches(projectId: string): Promise<SavedSearch[]> {
  return scopeToProject(db.selectFrom('saved_searches').selectAll(), projectId)
    .orderBy('created_at', 'desc')
    .execute();
}

export async function saveSearch(projectId: string, name: string, query: string): Promise<SavedSearch> {
  return db
    .insertInto('saved_searches')
    .values({ project_id: projectId, name, query, created_by: 'api' })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function renameSavedSearch(projectId: string, id: string, name: string) {
  return db
    .updateTable('saved_searches')
    .set({ name })
    .where('id', '=', id)
    .where('project_id', '=', projectId)
    .returningAll()
    .executeTakeFirst();
}
