import { createHash } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { db } from '../../db/client';
import type { Database, FeatureFlagsTable, MemberRole, Organization, Plan } from '../../db/schema';
import { cache } from '../../lib/cache';

const PLAN_TTL_SECONDS = 300;
const FLAGS_TTL_SECONDS = 30;

type FeatureFlag = Selectable<FeatureFlagsTable>;

export class OrganizationsService {
  constructor(private readonly db: Kysely<Database>) {}

  async getOrganization(orgId: string): Promise<Organization> {
    return this.db
      .selectFrom('organizations')
      .selectAll()
      .where('id', '=', orgId)
      .executeTakeFirstOrThrow();
  }

  async listForUser(userId: string) {
    return this.db
      .selectFrom('organization_members as m')
      .innerJoin('organizations as o', 'o.id', 'm.organization_id')
      .select(['o.id', 'o.name', 'o.plan_id', 'm.role'])
      .where('m.user_id', '=', userId)
      .orderBy('o.name')
      .execute();
  }

  async addMember(orgId: string, userId: string, role: MemberRole, actorId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('organization_members')
        .values({ organization_id: orgId, user_id: userId, role })
        .onConflict((oc) => oc.columns(['organization_id', 'user_id']).doUpdateSet({ role }))
        .execute();

      await trx
        .insertInto('audit_log')
        .values({
          organization_id: orgId,
          actor_id: actorId,
          action: 'member.added',
          target: `user:${userId}`,
        })
        .execute();
    });
  }

  /** Plan lookups happen on every ingest request, hence the cache. */
  async getPlan(orgId: string): Promise<Plan> {
    return cache.getOrSet(`org:${orgId}:plan`, PLAN_TTL_SECONDS, async () => {
      const org = await this.getOrganization(orgId);
      return this.db
        .selectFrom('plans')
        .selectAll()
        .where('id', '=', org.plan_id)
        .executeTakeFirstOrThrow();
    });
  }

  async listPlans(): Promise<Plan[]> {
    return this.db.selectFrom('plans').selectAll().orderBy('price_cents', 'asc').execute();
  }

  async changePlan(orgId: string, planId: string, actorId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .selectFrom('plans')
        .select('id')
        .where('id', '=', planId)
        .executeTakeFirstOrThrow();
      await trx.updateTable('organizations').set({ plan_id: planId }).where('id', '=', orgId).execute();
      await trx
        .insertInto('audit_log')
        .values({ organization_id: orgId, actor_id: actorId, action: 'plan.changed', target: `plan:${planId}` })
        .execute();
    });
    await cache.invalidate(`org:${orgId}:plan`);
  }

  async getFeatureFlags(): Promise<FeatureFlag[]> {
    return cache.getOrSet('feature-flags:all', FLAGS_TTL_SECONDS, () =>
      this.db.selectFrom('feature_flags').selectAll().execute(),
    );
  }

  /** Percentage rollouts are bucketed by org so a whole team sees the same UI. */
  async isFeatureEnabled(orgId: string, key: string): Promise<boolean> {
    const flag = (await this.getFeatureFlags()).find((f) => f.key === key);
    if (!flag || !flag.enabled) return false;
    if (flag.rollout_percent >= 100) return true;
    const bucket = createHash('md5').update(`${key}:${orgId}`).digest().readUInt16BE(0) % 100;
    return bucket < flag.rollout_percent;
  }

  async listNotificationChannels(orgId: string) {
    return this.db
      .selectFrom('notification_channels')
      .select(['id', 'kind', 'config'])
      .where('organization_id', '=', orgId)
      .execute();
  }
}

export const organizationsService = new OrganizationsService(db);
