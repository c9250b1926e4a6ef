import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../../src/db/client';
import { listDashboards } from '../../src/modules/dashboards/service';
import { projectsService } from '../../src/modules/projects/service';

// Two tenants with identical data; org-scoped calls must never cross over.
describe('cross-tenant isolation', () => {
  const orgIds: string[] = [];

  beforeAll(async () => {
    for (const name of ['tenant-a', 'tenant-b']) {
      const org = await db.insertInto('organizations').values({ name, plan_id: 'free' }).returning('id').executeTakeFirstOrThrow();
      orgIds.push(org.id);
      const project = await projectsService.createProject(org.id, { name: `${name}-web` }, 'seed');
      await db
        .insertInto('dashboards')
        .values({ organization_id: org.id, project_id: project.id, name: 'Overview', layout: '{"version":2,"widgets":[]}' })
        .execute();
    }
  });

  afterAll(async () => {
    await db.deleteFrom('organizations').where('id', 'in', orgIds).execute();
  });

  it('scopes projects and dashboards to the caller org', async () => {
    const [a] = orgIds;
    expect((await projectsService.listProjects(a)).every((p) => p.organization_id === a)).toBe(true);
    expect((await listDashboards(a)).map((d) => d.organization_id)).toEqual([a]);
  });
});
