import type { SelectQueryBuilder } from 'kysely';
import { db } from '../../db/client';
import type { Dashboard, DashboardLayout, Database } from '../../db/schema';

const EMPTY_LAYOUT: DashboardLayout = { version: 2, widgets: [] };

function scopeToOrg<QB extends SelectQueryBuilder<Database, 'dashboards', any>>(qb: QB, orgId: string): QB {
  return qb.where('organization_id', '=', orgId) as QB;
}

export async function listDashboards(orgId: string): Promise<Dashboard[]> {
  return scopeToOrg(db.selectFrom('dashboards').selectAll(), orgId).orderBy('name').execute();
}

export async function getDashboard(orgId: string, dashboardId: string): Promise<Dashboard | undefined> {
  return db
    .selectFrom('dashboards')
    .selectAll()
    .where('id', '=', dashboardId)
    .$call((qb) => scopeToOrg(qb, orgId))
    .executeTakeFirst();
}

/** Sidebar listing grouped by project. */
export async function listDashboardsWithProject(orgId: string) {
  return db
    .selectFrom('dashboards as d')
    .innerJoin('projects as p', (join) => join.onRef('p.id', '=', 'd.project_id').on('p.organization_id', '=', orgId))
    .select(['d.id', 'd.name', 'd.is_public', 'p.id as project_id', 'p.name as project_name'])
    .orderBy('p.name')
    .orderBy('d.name')
    .execute();
}

/** Dashboard picker: the org's own dashboards plus templates shared publicly. */
export async function listVisibleDashboards(orgId: string) {
  return db
    .selectFrom('dashboards')
    .select(['id', 'organization_id', 'project_id', 'name', 'is_public'])
    .where((eb) => eb.or([eb('organization_id', '=', orgId), eb('is_public', '=', true)]))
    .orderBy('name')
    .execute();
}

export async function createDashboard(
  orgId: string,
  projectId: string,
  name: string,
  layout: DashboardLayout = EMPTY_LAYOUT,
): Promise<Dashboard> {
  return db
    .insertInto('dashboards')
    .values({
      organization_id: orgId,
      project_id: projectId,
      name,
      layout: JSON.stringify(layout),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateDashboardLayout(orgId: string, dashboardId: string, layout: DashboardLayout): Promise<void> {
  if (layout.widgets.length > 48) {
    throw new Error('dashboards are limited to 48 widgets');
  }
  await db
    .updateTable('dashboards')
    .set({ layout: JSON.stringify(layout) })
    .where('organization_id', '=', orgId)
    .where('id', '=', dashboardId)
    .execute();
}
