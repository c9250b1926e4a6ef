import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../../src/db/client';
import { apiKeysService } from '../../src/modules/api-keys/service';
import { listAuditEntries } from '../../src/modules/audit-log/service';
import { dropTenants, seedTwoTenants, type TenantFixture } from './fixtures';

describe('API-key validation: tenant isolation', () => {
  let orgA: TenantFixture;
  let orgB: TenantFixture;
  let keyA: { id: string; key: string };
  let keyB: { id: string; key: string };

  beforeAll(async () => {
    ({ orgA, orgB } = await seedTwoTenants('api-keys'));
    keyA = await apiKeysService.createKey(orgA.id, orgA.project.id, 'seed');
    keyB = await apiKeysService.createKey(orgB.id, orgB.project.id, 'seed');
  });

  afterAll(async () => {
    await dropTenants(orgA, orgB);
  });

  it('resolves an org A key to org A and its project, never to org B', async () => {
    const principal = await apiKeysService.validateKey(keyA.key);
    expect(principal).toEqual({ keyId: keyA.id, organizationId: orgA.id, projectId: orgA.project.id });
  });

  it('validating an org A key never stamps last_used_at on org B keys', async () => {
    await apiKeysService.validateKey(keyA.key);
    const orgBKeys = await db.selectFrom('api_keys').select(['id', 'last_used_at']).where('organization_id', '=', orgB.id).execute();
    expect(orgBKeys.map((k) => k.id)).toEqual([keyB.id]);
    expect(orgBKeys.every((k) => k.last_used_at === null)).toBe(true);
  });

  it('records key creation in the creating org audit log only', async () => {
    const orgAEntries = await listAuditEntries({ orgId: orgA.id, action: 'api_key.created' });
    expect(orgAEntries.every((e) => e.organization_id === orgA.id)).toBe(true);
    expect(orgAEntries.map((e) => e.target)).not.toContain(`api_key:${keyB.id}`);
  });
});
