import type { SelectQueryBuilder } from 'kysely';
import type { Database } from '../db/schema';

type ProjectScoped = 'logs' | 'saved_searches' | 'alert_rules' | 'dashboards';

/**
 * Restricts a query to one project. Services call this instead of writing the
 * filter themselves so that a forgotten project filter shows up in review.
 */
export function scopeToProject<T extends ProjectScoped, QB extends SelectQueryBuilder<Database, T, any>>(
  qb: QB,
  projectId: string,
): QB {
  return qb.where('project_id' as any, '=', projectId) as QB;
}
