import { sql, type Kysely, type Transaction } from 'kysely';
import { db } from '../../db/client';
import type { AuditLogEntry, Database } from '../../db/schema';

export interface AuditEvent {
  organizationId: string;
  actorId: string | null;
  action: string;
  target: string;
}

export interface AuditLogFilters {
  orgId?: string;
  actorId?: string;
  action?: string;
  before?: Date;
  limit?: number;
}

/**
 * Writes an audit entry. Pass the surrounding transaction when there is one
 * so the entry is rolled back together with the change it describes.
 */
export async function recordAuditEvent(
  executor: Kysely<Database> | Transaction<Database>,
  event: AuditEvent,
): Promise<void> {
  await executor
    .insertInto('audit_log')
    .values({
      organization_id: event.organizationId,
      actor_id: event.actorId,
      action: event.action,
      target: event.target,
    })
    .execute();
}

/**
 * Backs both the org settings page and the support console; support staff
 * search by actor or action without picking an organization first.
 */
export async function listAuditEntries(filters: AuditLogFilters): Promise<AuditLogEntry[]> {
  const { orgId, actorId, action, before, limit = 100 } = filters;

  let q = db.selectFrom('audit_log').selectAll();
  if (orgId) {
    q = q.where('organization_id', '=', orgId);
  }
  if (actorId) {
    q = q.where('actor_id', '=', actorId);
  }
  if (action) {
    q = q.where('action', 'like', `${action}%`);
  }
  if (before) {
    q = q.where('created_at', '<', before);
  }

  return q.orderBy('created_at', 'desc').limit(Math.min(limit, 500)).execute();
}

/**
 * CSV export for the compliance page. `orgId` is optional so that the support
 * console can export a single actor's trail across organizations.
 */
export async function exportAuditTrail(orgId: string | null, actorId: string) {
  const { rows } = await sql<AuditLogEntry>`
    SELECT id, organization_id, actor_id, action, target, created_at
    FROM audit_log
    WHERE actor_id = ${actorId}
      AND (${orgId}::uuid IS NULL OR organization_id = ${orgId})
    ORDER BY created_at DESC`.execute(db);
  return rows;
}
