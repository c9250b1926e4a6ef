import { db } from '../../src/db/client';
import type { Project } from '../../src/db/schema';
import { projectsService } from '../../src/modules/projects/service';

export interface TenantFixture {
  id: string;
  name: string;
  project: Project;
}

async function seedTenant(name: string): Promise<TenantFixture> {
  const org = await db
    .insertInto('organizations')
    .values({ name, plan_id: 'free' })
    .returning(['id', 'name'])
    .executeTakeFirstOrThrow();
  // Same project name in both orgs, so only the tenant key tells the rows apart.
  const project = await projectsService.createProject(org.id, { name: 'web' }, 'seed');
  return { ...org, project };
}

/** Org A and org B, each with one project (and its default saved searches). */
export async function seedTwoTenants(label: string): Promise<{ orgA: TenantFixture; orgB: TenantFixture }> {
  const orgA = await seedTenant(`${label}-tenant-a`);
  const orgB = await seedTenant(`${label}-tenant-b`);
  return { orgA, orgB };
}

export async function dropTenants(...tenants: Array<TenantFixture | undefined>): Promise<void> {
  const ids = tenants.filter((t): t is TenantFixture => t !== undefined).map((t) => t.id);
  if (ids.length === 0) return;
  await db.deleteFrom('organizations').where('id', 'in', ids).execute();
}
