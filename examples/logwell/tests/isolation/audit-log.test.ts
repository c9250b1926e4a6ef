import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../../src/db/client';
import { exportAuditTrail, listAuditEntries, recordAuditEvent } from '../../src/modules/audit-log/service';
import { dropTenants, seedTwoTenants, type TenantFixture } from './fixtures';

// The same actor ('seed') and the same actions appear in both orgs; only organization_id differs.
describe('Audit-log queries: tenant isolation', () => {
  let orgA: TenantFixture;
  let orgB: TenantFixture;

  beforeAll(async () => {
    ({ orgA, orgB } = await seedTwoTenants('audit-log'));
    for (const t of [orgA, orgB]) {
      await recordAuditEvent(db, { organizationId: t.id, actorId: 'seed', action: 'member.added', target: 'user:42' });
    }
  });

  afterAll(async () => {
    await dropTenants(orgA, orgB);
  });

  it('listAuditEntries for org A returns only org A entries', async () => {
    const rows = await listAuditEntries({ orgId: orgA.id });
    expect(rows.some((r) => r.action === 'project.created')).toBe(true);
    expect(rows.every((r) => r.organization_id === orgA.id)).toBe(true);
  });

  it('actor and action filters never widen the org A filter', async () => {
    const rows = await listAuditEntries({ orgId: orgA.id, actorId: 'seed', action: 'member.' });
    expect(rows).toHaveLength(1);
    expect(rows.every((r) => r.organization_id === orgA.id)).toBe(true);
  });

  it('exportAuditTrail for org A leaves out the same actor in org B', async () => {
    const rows = await exportAuditTrail(orgA.id, 'seed');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.organization_id === orgA.id)).toBe(true);
  });

  it('recordAuditEvent for org A writes nothing into org B trail', async () => {
    const before = await listAuditEntries({ orgId: orgB.id });
    await recordAuditEvent(db, { organizationId: orgA.id, actorId: 'seed', action: 'dashboard.deleted', target: 'dashboard:1' });
    expect((await listAuditEntries({ orgId: orgB.id })).map((r) => r.id)).toEqual(before.map((r) => r.id));
  });
});
