import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboard } from '../../src/modules/dashboards/service';
import { organizationsService } from '../../src/modules/organizations/service';
import { checkEventQuota, countResources, recordUsage, startOfMonth, summarizeUsage } from '../../src/modules/usage/service';
import { dropTenants, seedTwoTenants, type TenantFixture } from './fixtures';

const eventsOf = (rows: Array<{ metric: string; total: number }>) =>
  Number(rows.find((r) => r.metric === 'events_ingested')?.total ?? 0);

describe('Usage and metering: tenant isolation', () => {
  let orgA: TenantFixture;
  let orgB: TenantFixture;

  beforeAll(async () => {
    ({ orgA, orgB } = await seedTwoTenants('usage'));
    // Org B is a heavy tenant: its whole monthly allowance, plus more dashboards than org A.
    const planB = await organizationsService.getPlan(orgB.id);
    await recordUsage(orgB.id, 'events_ingested', planB.monthly_events);
    await recordUsage(orgA.id, 'events_ingested', 100);
    await createDashboard(orgA.id, orgA.project.id, 'Overview');
    await createDashboard(orgB.id, orgB.project.id, 'Overview');
    await createDashboard(orgB.id, orgB.project.id, 'Errors');
  });

  afterAll(async () => {
    await dropTenants(orgA, orgB);
  });

  it('summarizeUsage for org A counts only org A records', async () => {
    expect(eventsOf(await summarizeUsage(orgA.id, startOfMonth()))).toBe(100);
  });

  it('recordUsage for org A does not move org B counters', async () => {
    const before = eventsOf(await summarizeUsage(orgB.id, startOfMonth()));
    await recordUsage(orgA.id, 'events_ingested', 25);
    expect(eventsOf(await summarizeUsage(orgB.id, startOfMonth()))).toBe(before);
  });

  it('checkEventQuota for org A is not exhausted by org B ingest', async () => {
    const quotaB = await checkEventQuota(orgB.id);
    expect(quotaB.exceeded).toBe(true);
    const quotaA = await checkEventQuota(orgA.id);
    expect(quotaA.used).toBe(eventsOf(await summarizeUsage(orgA.id, startOfMonth())));
    expect(quotaA.used).toBeLessThan(quotaB.used);
  });

  it('countResources counts only org A rows', async () => {
    expect(await countResources(orgA.id, 'dashboards')).toBe(1);
    expect(await countResources(orgA.id, 'projects')).toBe(1);
  });
});
