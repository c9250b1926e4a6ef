import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../../src/db/client';
import { listSavedSearchesForOrg, logsService, renameSavedSearch } from '../../src/modules/logs/service';
import { projectsService } from '../../src/modules/projects/service';
import { dropTenants, seedTwoTenants, type TenantFixture } from './fixtures';

// Both orgs log identical lines; only the tenant key may tell the results apart.
describe('Search and query: tenant isolation', () => {
  let orgA: TenantFixture;
  let orgB: TenantFixture;
  const since = new Date(Date.now() - 60 * 60_000);

  beforeAll(async () => {
    ({ orgA, orgB } = await seedTwoTenants('search'));
    for (const { project } of [orgA, orgB]) {
      await logsService.appendLog(project.id, { level: 'error', message: 'payment declined for order 1042' });
      await logsService.appendLog(project.id, { level: 'info', message: 'checkout completed' });
    }
  });

  afterAll(async () => {
    await dropTenants(orgA, orgB);
  });

  it('searchLogs and searchAcrossOrg only return lines from org A projects', async () => {
    const live = await logsService.searchLogs(orgA.project.id, { search: 'payment declined' });
    expect(live).toHaveLength(1);
    expect(live.every((r) => r.project_id === orgA.project.id)).toBe(true);

    const orgBLogIds = (await db.selectFrom('logs').select('id').where('project_id', '=', orgB.project.id).execute()).map((r) => r.id);
    const everywhere = await logsService.searchAcrossOrg(orgA.id, 'payment declined');
    expect(everywhere.map((r) => r.id)).toEqual(live.map((r) => r.id));
    expect(everywhere.some((r) => orgBLogIds.includes(r.id))).toBe(false);
  });

  it('recentErrorsForOrg and levelBreakdown stay inside org A', async () => {
    const errors = await logsService.recentErrorsForOrg(orgA.id, since);
    expect(errors).toHaveLength(1);
    expect(errors.every((r) => r.project_id === orgA.project.id)).toBe(true);

    const breakdown = await logsService.levelBreakdown(await projectsService.projectIdsForOrg(orgA.id), since);
    expect(breakdown.every((r) => r.project_id === orgA.project.id)).toBe(true);
    expect(breakdown.reduce((sum, r) => sum + Number(r.count), 0)).toBe(2);
  });

  it('org B saved searches are neither listed nor renamed for org A', async () => {
    const searches = await listSavedSearchesForOrg(orgA.id);
    expect(searches.length).toBeGreaterThan(0);
    expect(searches.every((s) => s.project_id === orgA.project.id)).toBe(true);

    const [target] = await listSavedSearchesForOrg(orgB.id);
    expect(await renameSavedSearch(orgA.project.id, target.id, 'renamed by org A')).toBeUndefined();
    const after = await db.selectFrom('saved_searches').select('name').where('id', '=', target.id).executeTakeFirstOrThrow();
    expect(after.name).toBe(target.name);
  });
});
