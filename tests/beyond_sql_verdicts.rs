//! Specification of verdicts beyond SQL: storage-engine calls, BullMQ
//! producers and consumers, and cache keys. Snippets in, verdicts out; files
//! that refer to each other are linked as in a real scan.

mod support;

use tenant_audit::extract::{extract_file, finish, Dialect, ExtractRules};
use tenant_audit::model::{DataPath, PathKind, Verdict};
use tenant_audit::scope::decide;

/// Rules as the example backend configures them.
fn rules() -> ExtractRules {
    ExtractRules {
        queue_factories: vec!["createQueue".into()],
        worker_factories: vec!["createWorker".into()],
        ..ExtractRules::default()
    }
}

/// Every path of the given files (path, source), linked and judged.
fn scan(files: &[(&str, &str)]) -> Vec<DataPath> {
    let mut taxonomy = support::taxonomy();
    taxonomy.beyond_sql.global_sentinels = vec!["GLOBAL_SCOPE".into()];
    taxonomy.beyond_sql.global_cache_keys = vec!["feature-flags:*".into()];
    support::scan_files(files, &rules(), &taxonomy)
}

fn only(files: &[(&str, &str)], kind: PathKind) -> DataPath {
    let found: Vec<DataPath> = scan(files).into_iter().filter(|p| p.kind == kind).collect();
    assert_eq!(found.len(), 1, "expected one {kind} path: {found:#?}");
    found.into_iter().next().unwrap()
}

fn assert_path(path: &DataPath, verdict: Verdict, target: &str, evidence: &str) {
    assert_eq!(path.verdict, verdict, "{path:#?}");
    assert_eq!(path.target, target, "{path:#?}");
    assert!(
        path.evidence.contains(evidence),
        "evidence {:?} lacks {evidence:?}",
        path.evidence
    );
}

// --- storage engine ---------------------------------------------------------

#[test]
fn reservoir_params_with_a_tenant_property_are_scoped() {
    let source = "async function q(projectId: string) { return reservoir.query({ projectId, from, to }); }";
    assert_path(
        &only(&[("a.ts", source)], PathKind::Reservoir),
        Verdict::Scoped,
        "query",
        "params carry projectId",
    );
    let keyed = "async function q(rule) { return reservoir.count({ projectId: rule.project_id, from, to }); }";
    assert_path(
        &only(&[("a.ts", keyed)], PathKind::Reservoir),
        Verdict::Scoped,
        "count",
        "projectId",
    );
}

#[test]
fn reservoir_without_a_tenant_property_is_unscoped() {
    let source = "async function q() { return this.reservoir.count({ from, to }); }";
    assert_path(
        &only(&[("a.ts", source)], PathKind::Reservoir),
        Verdict::Unscoped,
        "count",
        "keys: from, to",
    );
}

#[test]
fn reservoir_positional_tenant_id_is_scoped() {
    let source =
        "async function t(traceId: string, projectId: string) { return reservoir.getTraceById(traceId, projectId); }";
    assert_path(
        &only(&[("a.ts", source)], PathKind::Reservoir),
        Verdict::Scoped,
        "getTraceById",
        "`projectId`",
    );
}

#[test]
fn reservoir_global_sentinel_is_not_tenant() {
    let source = "async function s() { return reservoir.count({ projectId: GLOBAL_SCOPE, from, to }); }";
    assert_path(
        &only(&[("a.ts", source)], PathKind::Reservoir),
        Verdict::NotTenant,
        "count",
        "GLOBAL_SCOPE",
    );
}

#[test]
fn reservoir_conditional_spread_is_conditional() {
    let source = "async function s(orgId?: string) { return reservoir.query({ from, ...(orgId ? { organizationId: orgId } : {}) }); }";
    assert_path(
        &only(&[("a.ts", source)], PathKind::Reservoir),
        Verdict::Conditional,
        "query",
        "conditional spread",
    );
}

#[test]
fn reservoir_ignored_methods_and_other_receivers_are_not_paths() {
    let source = "async function s() { await reservoir.healthCheck(); await logger.query({ from }); }";
    assert!(scan(&[("a.ts", source)]).is_empty());
}

// --- queues -----------------------------------------------------------------

const QUEUES: &str = "import { Queue, Worker } from 'bullmq';
export function createQueue<T>(name: string): Queue<T> { return new Queue<T>(name, { connection }); }
export function createWorker<T>(name: string, processor: Processor<T>) { return new Worker<T>(name, processor, { connection }); }
export const webhookQueue = new Queue('webhook-delivery', { connection });
export const alertQueue = createQueue('alert-evaluation');
";

#[test]
fn producer_with_a_tenant_id_in_the_payload_is_scoped_and_names_the_queue_across_files() {
    let service = "import { webhookQueue } from '../jobs/queues';
export async function dispatch(orgId: string, hook) {
  await webhookQueue.add('deliver', { organizationId: orgId, webhookId: hook.id });
}";
    let path = only(
        &[("src/jobs/queues.ts", QUEUES), ("src/hooks/service.ts", service)],
        PathKind::QueueProducer,
    );
    assert_path(
        &path,
        Verdict::Scoped,
        "webhook-delivery",
        "payload carries organizationId",
    );
    assert_eq!(path.operation, "add");
}

#[test]
fn producer_through_a_wrapped_factory_without_tenant_id_is_unscoped() {
    let service = "import { alertQueue } from '../jobs/queues.js';
export async function schedule(ruleId: string) { await alertQueue.add('evaluate', { alertRuleId: ruleId }); }";
    let path = only(
        &[("src/jobs/queues.ts", QUEUES), ("src/alerts/service.ts", service)],
        PathKind::QueueProducer,
    );
    assert_path(&path, Verdict::Unscoped, "alert-evaluation", "keys: alertRuleId");
}

#[test]
fn producer_on_a_queue_of_a_namespace_import_names_the_queue() {
    let service = "import * as queues from '../jobs/queues';
export async function dispatch(orgId: string, hook) {
  await queues.webhookQueue.add('deliver', { organizationId: orgId, webhookId: hook.id });
}";
    let path = only(
        &[("src/jobs/queues.ts", QUEUES), ("src/hooks/service.ts", service)],
        PathKind::QueueProducer,
    );
    assert_path(
        &path,
        Verdict::Scoped,
        "webhook-delivery",
        "payload carries organizationId",
    );
}

#[test]
fn producer_payload_built_in_a_variable_is_followed() {
    let source = "const q = new Queue('emails');
async function send(orgId: string) { const job = { orgId, to: 'x' }; await q.add('send', job); }";
    assert_path(
        &only(&[("a.ts", source)], PathKind::QueueProducer),
        Verdict::Scoped,
        "emails",
        "in `job`",
    );
}

#[test]
fn add_bulk_needs_every_job_scoped() {
    let source = "const q = new Queue('emails');
async function send(orgId: string) {
  await q.addBulk([{ name: 'a', data: { orgId } }, { name: 'b', data: { to: 'x' } }]);
}";
    assert_path(
        &only(&[("a.ts", source)], PathKind::QueueProducer),
        Verdict::Unscoped,
        "emails",
        "keys: to",
    );
}

#[test]
fn flow_producer_names_its_queue() {
    let source = "const flow = new FlowProducer({ connection });
async function run(orgId: string) { await flow.add({ name: 'report', queueName: 'reports', data: { organizationId: orgId } }); }";
    let path = only(&[("a.ts", source)], PathKind::QueueProducer);
    assert_path(&path, Verdict::Scoped, "reports", "organizationId");
    assert_eq!(path.operation, "flow-add");
}

#[test]
fn set_add_is_not_a_producer() {
    assert!(scan(&[("a.ts", "const seen = new Set(); seen.add('x', { a: 1 });")]).is_empty());
}

#[test]
fn add_on_a_namespace_import_is_not_a_producer() {
    let math = "export function add(a: number, b: number) { return a + b; }";
    let source = "import * as math from './math';\nexport const total = math.add(1, { a: 1 });";
    assert!(scan(&[("src/math.ts", math), ("src/a.ts", source)]).is_empty());
}

#[test]
fn consumer_with_an_imported_processor_reading_the_tenant_id_is_scoped() {
    let processor = "export async function processDelivery(job: Job<DeliveryJob>) {
  const { organizationId, webhookId } = job.data;
  return deliver(organizationId, webhookId);
}";
    let workers = "import { Worker } from 'bullmq';
import { processDelivery } from '../hooks/delivery';
export function start() { return new Worker('webhook-delivery', processDelivery, { connection }); }";
    let path = only(
        &[
            ("src/jobs/queues.ts", QUEUES),
            ("src/hooks/delivery.ts", processor),
            ("src/jobs/workers.ts", workers),
        ],
        PathKind::QueueConsumer,
    );
    assert_path(
        &path,
        Verdict::Scoped,
        "webhook-delivery",
        "processor `processDelivery` reads job.data.organizationId",
    );
}

#[test]
fn consumer_with_a_default_imported_processor_reading_the_tenant_id_is_scoped() {
    let processor = "export default async function processDelivery(job: Job<DeliveryJob>) {
  const { organizationId, webhookId } = job.data;
  return deliver(organizationId, webhookId);
}";
    let workers = "import { Worker } from 'bullmq';
import deliver from '../hooks/delivery';
export function start() { return new Worker('webhook-delivery', deliver, { connection }); }";
    let path = only(
        &[("src/hooks/delivery.ts", processor), ("src/jobs/workers.ts", workers)],
        PathKind::QueueConsumer,
    );
    assert_path(
        &path,
        Verdict::Scoped,
        "webhook-delivery",
        "processor `processDelivery` reads job.data.organizationId",
    );
}

#[test]
fn consumer_with_a_processor_of_a_namespace_import_reading_the_tenant_id_is_scoped() {
    let processor = "export async function processDelivery(job: Job<DeliveryJob>) {
  const { organizationId, webhookId } = job.data;
  return deliver(organizationId, webhookId);
}";
    let workers = "import { Worker } from 'bullmq';
import * as hooks from '../hooks/delivery';
export function start() { return new Worker('webhook-delivery', hooks.processDelivery, { connection }); }";
    let path = only(
        &[
            ("src/jobs/queues.ts", QUEUES),
            ("src/hooks/delivery.ts", processor),
            ("src/jobs/workers.ts", workers),
        ],
        PathKind::QueueConsumer,
    );
    assert_path(
        &path,
        Verdict::Scoped,
        "webhook-delivery",
        "processor `processDelivery` reads job.data.organizationId",
    );
}

#[test]
fn consumer_from_a_worker_factory_without_tenant_id_is_unscoped() {
    let processor = "export async function evaluate(job) { const rule = await load(job.data.alertRuleId); }";
    let workers = "import { createWorker } from './queues';
import { evaluate } from '../alerts/evaluation';
export function start() { return createWorker('alert-evaluation', evaluate); }";
    let path = only(
        &[
            ("src/jobs/queues.ts", QUEUES),
            ("src/alerts/evaluation.ts", processor),
            ("src/jobs/workers.ts", workers),
        ],
        PathKind::QueueConsumer,
    );
    assert_path(&path, Verdict::Unscoped, "alert-evaluation", "reads: alertRuleId");
}

#[test]
fn inline_processor_destructuring_data_is_read() {
    let source = "new Worker('emails', async ({ data: { orgId, to } }) => send(orgId, to));";
    assert_path(
        &only(&[("a.ts", source)], PathKind::QueueConsumer),
        Verdict::Scoped,
        "emails",
        "job.data.orgId",
    );
}

#[test]
fn processor_that_cannot_be_followed_is_unknown() {
    let source = "import { handler } from 'some-package';\nnew Worker('emails', handler);";
    assert_path(
        &only(&[("a.ts", source)], PathKind::QueueConsumer),
        Verdict::Unknown,
        "emails",
        "outside the scanned sources",
    );
}

#[test]
fn factories_own_bodies_are_not_paths() {
    let found = scan(&[("src/jobs/queues.ts", QUEUES)]);
    assert!(found.is_empty(), "{found:#?}");
}

// --- cache ------------------------------------------------------------------

#[test]
fn cache_key_with_the_tenant_id_interpolated_is_scoped() {
    let source = "async function plan(orgId: string) { return cache.getOrSet(`org:${orgId}:plan`, 60, load); }";
    assert_path(
        &only(&[("a.ts", source)], PathKind::Cache),
        Verdict::Scoped,
        "org:{orgId}:plan",
        "`orgId`",
    );
}

#[test]
fn cache_key_from_a_builder_in_another_file_is_followed() {
    let lib = "export class CacheManager {
  static queryKey(projectId: string, params: object): string { return `query:${projectId}:${hashParams(params)}`; }
}";
    let service = "import { CacheManager } from '../lib/cache';
async function search(projectId: string, filters) {
  const cacheKey = CacheManager.queryKey(projectId, { ...filters });
  return cache.get(cacheKey);
}";
    let path = only(
        &[("src/lib/cache.ts", lib), ("src/logs/service.ts", service)],
        PathKind::Cache,
    );
    assert_path(&path, Verdict::Scoped, "query:{projectId}:{hashParams(…)}", "projectId");
}

#[test]
fn builder_parameter_holding_no_tenant_id_is_unscoped() {
    let lib = "export function facetKey(field: string) { return 'facets:' + field; }";
    let service = "import { facetKey } from './keys';
async function facets(field: string) { return redis.get(facetKey(field)); }";
    let path = only(&[("src/keys.ts", lib), ("src/service.ts", service)], PathKind::Cache);
    assert_path(&path, Verdict::Unscoped, "facets:{field}", "no tenant id");
}

#[test]
fn cache_key_from_a_builder_of_a_namespace_import_is_followed() {
    let lib = "export function userKey(organizationId: string, userId: string) { return `user:${organizationId}:${userId}`; }";
    let service = "import * as keys from './keys';
async function load(organizationId: string, userId: string) { return redis.get(keys.userKey(organizationId, userId)); }";
    let path = only(&[("src/keys.ts", lib), ("src/service.ts", service)], PathKind::Cache);
    assert_path(
        &path,
        Verdict::Scoped,
        "user:{organizationId}:{userId}",
        "organizationId",
    );
}

#[test]
fn cache_key_of_a_params_hash_without_tenant_is_unscoped() {
    let source = "async function facets(field, from, to) { return cache.getOrSet(`facets:${hashParams({ field, from, to })}`, 60, load); }";
    assert_path(
        &only(&[("a.ts", source)], PathKind::Cache),
        Verdict::Unscoped,
        "facets:{hashParams(…)}",
        "no tenant id",
    );
}

#[test]
fn constant_key_is_unscoped_unless_declared_global() {
    let source =
        "async function f() { await cache.get('all-plans'); await cache.getOrSet('feature-flags:all', 60, load); }";
    let found = scan(&[("a.ts", source)]);
    assert_path(&found[0], Verdict::Unscoped, "all-plans", "constant key");
    assert_path(
        &found[1],
        Verdict::NotTenant,
        "feature-flags:all",
        "global by inventory",
    );
}

#[test]
fn unresolvable_key_is_unknown() {
    let source = "async function f(key: string) { return redis.get(key); }";
    assert_path(
        &only(&[("a.ts", source)], PathKind::Cache),
        Verdict::Unknown,
        "{?}",
        "not built in this function",
    );
}

#[test]
fn other_receivers_and_methods_are_not_cache_paths() {
    let source = "async function f(orgId) { await map.get(`org:${orgId}`); await cache.connect(); }";
    assert!(scan(&[("a.ts", source)]).is_empty());
}

#[test]
fn awaited_calls_with_type_arguments_are_found() {
    // tree-sitter-typescript reads `await cache.get<Row[]>(key)` as a call of `(await cache.get)`.
    let source = "async function f(orgId: string) {
  const hit = await cache.get<Row[]>(`org:${orgId}:rows`);
  const n = await reservoir.count<Count>({ from, to });
}";
    let found = scan(&[("a.ts", source)]);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_path(&found[0], Verdict::Unscoped, "count", "keys: from, to");
    assert_path(&found[1], Verdict::Scoped, "org:{orgId}:rows", "orgId");
}

#[test]
fn reservoir_params_that_cannot_be_read_are_unknown() {
    let source = "async function q(params) { return reservoir.query({ ...params, from }); }";
    assert_path(
        &only(&[("a.ts", source)], PathKind::Reservoir),
        Verdict::Unknown,
        "query",
        "a spread of `params`",
    );
}

#[test]
fn producer_payload_from_a_parameter_is_unknown() {
    let source = "const q = new Queue('emails');\nasync function send(job) { await q.add('send', job); }";
    assert_path(
        &only(&[("a.ts", source)], PathKind::QueueProducer),
        Verdict::Unknown,
        "emails",
        "`job`",
    );
}

#[test]
fn producer_payload_with_a_conditional_tenant_is_conditional() {
    let source = "const q = new Queue('emails');
async function send(orgId?: string) { await q.add('send', { to, ...(orgId ? { organizationId: orgId } : {}) }); }";
    assert_path(
        &only(&[("a.ts", source)], PathKind::QueueProducer),
        Verdict::Conditional,
        "emails",
        "conditional spread",
    );
}

#[test]
fn producer_payload_with_a_global_sentinel_is_not_tenant() {
    let source = "const q = new Queue('rollups');\nasync function all() { await q.add('rollup', { organizationId: GLOBAL_SCOPE }); }";
    assert_path(
        &only(&[("a.ts", source)], PathKind::QueueProducer),
        Verdict::NotTenant,
        "rollups",
        "GLOBAL_SCOPE",
    );
}

#[test]
fn cache_key_whose_tenant_id_falls_back_is_conditional() {
    let source = "async function plan(orgId?: string) { return redis.get(`plan:${orgId ?? 'all'}`); }";
    assert_path(
        &only(&[("a.ts", source)], PathKind::Cache),
        Verdict::Conditional,
        "plan:{orgId??'all'}",
        "only when it is set",
    );
}

#[test]
fn in_memory_map_cache_is_a_path_when_configured() {
    let source = "const planCache = new Map<string, Plan>();
function cached(orgId: string) { return planCache.get(`plan:${orgId}`); }
function all() { return planCache.get('plans'); }";
    let extraction = |rules: &ExtractRules| {
        finish(vec![extract_file(
            source.as_bytes(),
            "a.ts",
            Dialect::TypeScript,
            rules,
        )])
    };
    assert!(
        extraction(&ExtractRules::default()).is_empty(),
        "not a cache unless configured"
    );
    let configured = ExtractRules {
        cache_clients: vec!["planCache".into()],
        ..ExtractRules::default()
    };
    let taxonomy = support::taxonomy();
    let found: Vec<DataPath> = extraction(&configured).iter().map(|c| decide(c, &taxonomy)).collect();
    assert_path(&found[0], Verdict::Scoped, "plan:{orgId}", "orgId");
    assert_path(&found[1], Verdict::Unscoped, "plans", "constant key");
}
