import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { db } from '../../db/client';
import type { Database } from '../../db/schema';
import { recordAuditEvent } from '../audit-log/service';

const KEY_PREFIX = 'lw_';
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeyPrincipal {
  keyId: string;
  organizationId: string;
  projectId: string;
}

export function hashApiKey(rawKey: string): string {
  return createHash('sha256').update(rawKey).digest('hex');
}

export class ApiKeysService {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Resolves an ingest key to the project it belongs to. The key itself is
   * the credential, so this is the one lookup that starts without an org.
   */
  async validateKey(rawKey: string): Promise<ApiKeyPrincipal | null> {
    if (!rawKey.startsWith(KEY_PREFIX)) return null;
    const hash = hashApiKey(rawKey);

    const key = await this.db
      .selectFrom('api_keys')
      .select(['id', 'organization_id', 'project_id', 'last_used_at'])
      .where('key_hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!key) return null;

    // Avoid a write per ingest request; minute resolution is plenty for the UI.
    if (!key.last_used_at || Date.now() - key.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.db
        .updateTable('api_keys')
        .set({ last_used_at: new Date() })
        .where('organization_id', '=', key.organization_id)
        .where('id', '=', key.id)
        .execute();
    }

    return { keyId: key.id, organizationId: key.organization_id, projectId: key.project_id };
  }

  /** Returns the raw key; it is never retrievable again after this call. */
  async createKey(orgId: string, projectId: string, actorId: string): Promise<{ id: string; key: string }> {
    const rawKey = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;

    return this.db.transaction().execute(async (trx) => {
      const { id } = await trx
        .insertInto('api_keys')
        .values({
          organization_id: orgId,
          project_id: projectId,
          key_hash: hashApiKey(rawKey),
          prefix: rawKey.slice(0, 8),
        })
        .returning('id')
        .executeTakeFirstOrThrow();

      await recordAuditEvent(trx, {
        organizationId: orgId,
        actorId,
        action: 'api_key.created',
        target: `api_key:${id}`,
      });
      return { id, key: rawKey };
    });
  }
}

export const apiKeysService = new ApiKeysService(db);
