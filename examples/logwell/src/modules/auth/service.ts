import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { db } from '../../db/client';
import type { Database, MemberRole } from '../../db/schema';

const SESSION_TTL_MS = 14 * 24 * 60 * 60 * 1000;
export const SESSION_COOKIE = 'lw_session';

export interface AuthContext {
  userId: string;
  sessionId: string;
  orgId?: string;
  role?: MemberRole;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth?: AuthContext;
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class AuthService {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Session cookies are `<userId>.<token>`; we only store the token hash, and
   * always look it up together with the user id so a hash collision across
   * users can never resolve to the wrong account.
   */
  async createSession(userId: string): Promise<{ cookie: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + SESSION_TTL_MS);

    await this.db
      .insertInto('user_sessions')
      .values({ user_id: userId, token_hash: hashToken(token), expires_at: expiresAt })
      .execute();

    return { cookie: `${userId}.${token}`, expiresAt };
  }

  async resolveSession(cookie: string): Promise<AuthContext | null> {
    const [userId, token] = cookie.split('.', 2);
    if (!userId || !token) return null;

    const row = await this.db
      .selectFrom('user_sessions')
      .select(['id', 'user_id', 'expires_at'])
      .where('user_id', '=', userId)
      .where('token_hash', '=', hashToken(token))
      .executeTakeFirst();

    if (!row || row.expires_at <= new Date()) return null;
    return { userId: row.user_id, sessionId: row.id };
  }

  async listSessions(userId: string) {
    return this.db
      .selectFrom('user_sessions')
      .select(['id', 'expires_at'])
      .where('user_id', '=', userId)
      .where('expires_at', '>', new Date())
      .orderBy('expires_at', 'desc')
      .execute();
  }

  /** Called on every login so a user's session list doesn't grow forever. */
  async purgeExpiredSessions(userId: string): Promise<number> {
    const result = await this.db
      .deleteFrom('user_sessions')
      .where('user_id', '=', userId)
      .where('expires_at', '<', new Date())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async getMembership(userId: string, orgId: string): Promise<MemberRole | null> {
    const row = await this.db
      .selectFrom('organization_members')
      .select('role')
      .where('organization_id', '=', orgId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.role ?? null;
  }
}

export const authService = new AuthService(db);

const ROLE_RANK: Record<MemberRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export async function requireSession(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const cookie = request.cookies?.[SESSION_COOKIE];
  const auth = cookie ? await authService.resolveSession(cookie) : null;
  if (!auth) {
    await reply.code(401).send({ error: 'unauthenticated' });
    return;
  }
  request.auth = auth;
}

export function requireOrgRole(minRole: MemberRole) {
  return async function guard(
    request: FastifyRequest<{ Params: { orgId: string } }>,
    reply: FastifyReply,
  ): Promise<void> {
    await requireSession(request, reply);
    if (!request.auth) return;

    const role = await authService.getMembership(request.auth.userId, request.params.orgId);
    if (!role || ROLE_RANK[role] < ROLE_RANK[minRole]) {
      await reply.code(403).send({ error: 'forbidden' });
      return;
    }
    request.auth = { ...request.auth, orgId: request.params.orgId, role };
  };
}

/** Signs a user out everywhere and reports how many sessions ended. */
export async function revokeAllSessions(userId: string) {
  const now = new Date();
  const revoked = await db
    .with('ended', (qb) =>
      qb.deleteFrom('user_sessions').where('user_id', '=', userId).where('expires_at', '>', now).returning('id'),
    )
    .selectFrom('ended')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(revoked.count);
}

/**
 * Throws unless the user belongs to the organization that owns the project.
 * Route handlers call it before using a project id taken from the request.
 */
export async function verifyProjectAccess(projectId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('projects as p')
    .innerJoin('organization_members as m', 'm.organization_id', 'p.organization_id')
    .select('p.id')
    .where('p.id', '=', projectId)
    .where('m.user_id', '=', userId)
    .executeTakeFirst();
  if (!row) {
    throw Object.assign(new Error('forbidden'), { statusCode: 403 });
  }
  return true;
}

/** Non-throwing variant for handlers that want to answer 403 themselves. */
export async function canAccessProject(projectId: string, userId: string): Promise<boolean> {
  return verifyProjectAccess(projectId, userId).then(
    () => true,
    () => false,
  );
}
