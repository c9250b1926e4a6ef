//! Specification of Kysely verdicts: a TypeScript snippet in, a verdict and
//! its evidence out. Tables are classified as in `support::taxonomy()`.

mod support;

use support::{assert_verdict, only_path, paths};
use tenant_audit::model::Verdict::{Conditional, NotTenant, Scoped, Unknown, Unscoped};

#[test]
fn where_on_the_tenant_key_is_scoped() {
    assert_verdict(
        "async function list(orgId: string) {
           return db.selectFrom('alert_rules').selectAll().where('organization_id', '=', orgId).execute();
         }",
        Scoped,
        &["alert_rules: `where('organization_id', '=', orgId)`"],
    );
}

#[test]
fn qualified_key_with_in_is_scoped() {
    assert_verdict(
        "const rows = await db.selectFrom('logs as t').selectAll().where('t.project_id', 'in', projectIds).execute();",
        Scoped,
        &["t.project_id"],
    );
}

#[test]
fn expression_builder_and_is_scoped() {
    assert_verdict(
        "db.selectFrom('alert_rules').selectAll()
           .where((eb) => eb.and([eb('organization_id', '=', orgId), eb('enabled', '=', true)]))",
        Scoped,
        &["eb('organization_id', '=', orgId)"],
    );
}

#[test]
fn column_mentioned_only_in_select_is_not_a_constraint() {
    assert_verdict(
        "function getProject(id: string) {
           return db.selectFrom('projects').select(['id', 'organization_id', 'name']).where('id', '=', id).executeTakeFirst();
         }",
        Unscoped,
        &["no tenant constraint on projects", "by primary key only"],
    );
}

#[test]
fn returning_order_group_and_set_are_not_constraints() {
    assert_verdict(
        "db.updateTable('alert_rules').set({ organization_id: orgId, enabled: false })
           .where('id', '=', ruleId).returning(['organization_id']).execute()",
        Unscoped,
        &["by primary key only"],
    );
    assert_verdict(
        "db.selectFrom('audit_log').selectAll().orderBy('organization_id').groupBy('organization_id').execute()",
        Unscoped,
        &["no filter at all"],
    );
}

#[test]
fn constraint_added_under_a_branch_is_conditional() {
    assert_verdict(
        "async function search(orgId?: string) {
           let q = db.selectFrom('audit_log').selectAll();
           if (orgId) {
             q = q.where('organization_id', '=', orgId);
           }
           return await q.execute();
         }",
        Conditional,
        &["`if (orgId)`"],
    );
}

#[test]
fn chain_followed_across_statements_stays_scoped() {
    assert_verdict(
        "async function search(projectId: string, level?: string) {
           let query = this.db.selectFrom('logs').selectAll().where('project_id', '=', projectId);
           if (level) { query = query.where('level', '=', level); }
           return await query.execute();
         }",
        Scoped,
        &["project_id"],
    );
    assert_verdict(
        "async function search(projectId: string) {
           let query = db.selectFrom('logs').selectAll();
           query = query.where('project_id', '=', projectId);
           return query.execute();
         }",
        Scoped,
        &["project_id"],
    );
}

#[test]
fn or_with_a_tenant_constraint_on_one_side_is_conditional() {
    assert_verdict(
        "db.selectFrom('dashboards').selectAll()
           .where((eb) => eb.or([eb('organization_id', '=', orgId), eb('is_public', '=', true)]))",
        Conditional,
        &["eb.or"],
    );
}

#[test]
fn if_helper_is_conditional() {
    assert_verdict(
        "db.selectFrom('logs').selectAll().$if(Boolean(projectId), (qb) => qb.where('project_id', '=', projectId!))",
        Conditional,
        &["$if(Boolean(projectId))"],
    );
}

#[test]
fn global_tables_are_not_tenant() {
    assert_verdict("db.selectFrom('plans').selectAll().execute()", NotTenant, &["plans"]);
}

#[test]
fn computed_table_name_is_unknown_and_never_dropped() {
    let path = only_path("async function purge(table: string) { await db.deleteFrom(table as any).execute(); }");
    assert_eq!(path.verdict, Unknown);
    assert_eq!(path.target, "?");
    assert!(
        path.evidence.contains("`table` is computed at run time"),
        "{}",
        path.evidence
    );
}

#[test]
fn tenant_key_compared_with_a_literal_is_not_a_constraint() {
    assert_verdict(
        "db.selectFrom('projects').selectAll().where('organization_id', 'is not', null)",
        Unscoped,
        &["operator `is not`"],
    );
    assert_verdict(
        "db.selectFrom('projects').selectAll().where('organization_id', '=', '')",
        Unscoped,
        &["compared with a literal"],
    );
}

#[test]
fn insert_with_the_key_in_values_is_scoped() {
    assert_verdict(
        "db.insertInto('audit_log').values({ organization_id: orgId, action, target }).execute()",
        Scoped,
        &["organization_id set"],
    );
    assert_verdict(
        "db.insertInto('logs').values([{ project_id: projectId, message: 'a' }, { project_id: projectId, message: 'b' }])",
        Scoped,
        &["every row"],
    );
}

#[test]
fn insert_without_the_key_is_unscoped() {
    assert_verdict(
        "db.insertInto('audit_log').values({ action, target }).execute()",
        Unscoped,
        &["no organization_id", "action, target"],
    );
    assert_verdict(
        "db.insertInto('logs').values([{ project_id: projectId }, { message: 'b' }])",
        Unscoped,
        &["no project_id"],
    );
}

#[test]
fn insert_values_followed_to_a_local_object() {
    assert_verdict(
        "async function save(projectId: string, name: string) {
           const row = { project_id: projectId, name, query: '' };
           return db.insertInto('saved_searches').values(row).execute();
         }",
        Scoped,
        &["in `row`"],
    );
}

#[test]
fn insert_with_spread_or_unknown_variable_is_unknown() {
    assert_verdict(
        "db.insertInto('webhooks').values({ ...input }).execute()",
        Unknown,
        &["spreads"],
    );
    assert_verdict(
        "db.insertInto('webhooks').values(input).execute()",
        Unknown,
        &["`input`"],
    );
    assert_verdict(
        "db.insertInto('webhooks').values({ organization_id: orgId, ...input })",
        Unknown,
        &["may overwrite"],
    );
}

#[test]
fn join_to_a_scoped_table_scopes_through_the_join() {
    assert_verdict(
        "db.selectFrom('logs').innerJoin('projects', 'projects.id', 'logs.project_id')
           .where('projects.organization_id', '=', orgId).selectAll('logs')",
        Scoped,
        &["logs: through `innerJoin('projects', 'projects.id', 'logs.project_id')` to projects"],
    );
}

#[test]
fn join_to_an_unconstrained_tenant_table_is_unscoped() {
    assert_verdict(
        "db.selectFrom('alert_history')
           .innerJoin('alert_rules', 'alert_rules.id', 'alert_history.alert_rule_id')
           .where('alert_history.status', '=', 'firing').selectAll()",
        Unscoped,
        &[
            "no tenant constraint on alert_rules",
            "alert_history is scoped through alert_rules",
        ],
    );
}

#[test]
fn child_table_scoped_through_its_constrained_parent() {
    assert_verdict(
        "db.selectFrom('alert_history as h')
           .innerJoin('alert_rules as r', 'r.id', 'h.alert_rule_id')
           .where('r.organization_id', '=', orgId).selectAll('h')",
        Scoped,
        &["alert_history: through"],
    );
}

#[test]
fn left_join_condition_does_not_scope_the_left_side() {
    assert_verdict(
        "db.selectFrom('logs as l')
           .leftJoin('projects as p', (join) => join.onRef('p.id', '=', 'l.project_id').on('p.organization_id', '=', orgId))
           .selectAll()",
        Unscoped,
        &["no tenant constraint on logs"],
    );
}

#[test]
fn join_callback_with_tenant_constraint_in_on_counts() {
    assert_verdict(
        "db.selectFrom('dashboards as d')
           .innerJoin('projects as p', (join) => join.onRef('p.id', '=', 'd.project_id').on('p.organization_id', '=', orgId))
           .where('d.organization_id', '=', orgId).selectAll('d')",
        Scoped,
        &["projects: `on('p.organization_id', '=', orgId)`"],
    );
}

#[test]
fn where_ref_alone_is_a_join_not_a_tenant_constraint() {
    assert_verdict(
        "db.selectFrom(['projects', 'alert_rules']).whereRef('projects.organization_id', '=', 'alert_rules.organization_id').selectAll()",
        Unscoped,
        &["no tenant constraint on projects"],
    );
}

#[test]
fn subquery_scoped_on_its_own_scopes_the_outer_query() {
    let found = paths(
        "db.selectFrom('logs').selectAll()
           .where('project_id', 'in', db.selectFrom('projects').select('id').where('organization_id', '=', orgId))",
    );
    assert_eq!(found.len(), 2, "the inner query is its own path too: {found:#?}");
    assert!(found.iter().all(|p| p.verdict == Scoped), "{found:#?}");
    assert!(found[0].evidence.contains("subquery on projects is tenant-scoped"));
}

#[test]
fn subquery_that_is_not_scoped_does_not_scope_the_outer_query() {
    let found = paths(
        "db.selectFrom('logs').selectAll()
           .where('project_id', 'in', (eb) => eb.selectFrom('projects').select('id').where('name', '=', name))",
    );
    let outer = found.iter().find(|p| p.target == "logs").unwrap();
    assert_eq!(outer.verdict, Unscoped, "{}", outer.evidence);
}

#[test]
fn filters_the_analysis_cannot_read_make_the_path_unknown() {
    assert_verdict(
        "db.selectFrom('logs').selectAll().where(buildFilter(params))",
        Unknown,
        &["buildFilter(params)"],
    );
    assert_verdict(
        "function search(conditions) { return db.selectFrom('logs').selectAll().where((eb) => eb.or(conditions)); }",
        Unknown,
        &["eb.or(conditions)"],
    );
    assert_verdict(
        "db.selectFrom('logs').selectAll().where(sql`project_id = ${projectId}`)",
        Unknown,
        &["sql`project_id"],
    );
}

#[test]
fn an_unreadable_extra_filter_does_not_undo_a_visible_constraint() {
    assert_verdict(
        "db.selectFrom('logs').selectAll().where('project_id', '=', projectId).where(buildFilter(params))",
        Scoped,
        &["project_id"],
    );
}

#[test]
fn update_and_delete_follow_the_where_rules() {
    assert_verdict(
        "db.updateTable('alert_rules').set({ enabled: false }).where('id', '=', ruleId).where('organization_id', '=', orgId)",
        Scoped,
        &["organization_id"],
    );
    assert_verdict(
        "db.deleteFrom('saved_searches').where('id', '=', id).execute()",
        Unscoped,
        &["by primary key only"],
    );
}

#[test]
fn user_scoped_table_uses_its_own_scope_column() {
    assert_verdict(
        "db.deleteFrom('user_sessions').where('user_id', '=', userId).where('expires_at', '<', now)",
        Scoped,
        &["user_id"],
    );
}

#[test]
fn cte_bodies_are_the_paths_not_the_cte_reference() {
    let found = paths(
        "db.with('recent', (qb) => qb.selectFrom('logs').select(['id', 'level']).where('project_id', '=', projectId))
           .selectFrom('recent').selectAll().execute()",
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].target, "logs");
    assert_eq!(found[0].verdict, Scoped);
}

#[test]
fn upsert_is_decided_by_the_inserted_values() {
    assert_verdict(
        "db.insertInto('usage_records').values({ organization_id: orgId, metric, quantity: qty })
           .onConflict((oc) => oc.columns(['organization_id', 'metric']).doUpdateSet({ quantity: (eb) => eb('usage_records.quantity', '+', qty) }))",
        Scoped,
        &["organization_id set"],
    );
}

#[test]
fn call_helper_inline_is_followed() {
    assert_verdict(
        "db.selectFrom('dashboards').selectAll().$call((qb) => qb.where('organization_id', '=', orgId))",
        Scoped,
        &["organization_id"],
    );
    assert_verdict(
        "db.selectFrom('dashboards').selectAll().$call(scopeToOrg)",
        Unknown,
        &["scopeToOrg(…) receives the query"],
    );
}

#[test]
fn every_builder_on_any_receiver_is_a_path() {
    let found = paths(
        "class S {
           async run(trx: Transaction<DB>) {
             await this.db.selectFrom('plans').selectAll().execute();
             await trx.insertInto('plans').values({ name }).execute();
             await db.updateTable('plans').set({ name }).execute();
             await db.deleteFrom('plans').execute();
             await db.replaceInto('plans').values({ name }).execute();
             await db.mergeInto('plans').using('feature_flags', 'feature_flags.key', 'plans.name').execute();
           }
         }",
    );
    let operations: Vec<&str> = found.iter().map(|p| p.operation.as_str()).collect();
    assert_eq!(operations, ["select", "insert", "update", "delete", "replace", "merge"]);
    assert!(found.iter().all(|p| p.symbol == "S.run"));
}

#[test]
fn array_and_aliased_table_names_are_targets() {
    let path = only_path("db.selectFrom(['plans', 'feature_flags as f']).selectAll()");
    assert_eq!(path.target, "plans,feature_flags");
    assert_eq!(path.verdict, NotTenant);
}

#[test]
fn ids_carry_symbol_kind_operation_target_and_ordinal() {
    let found = paths(
        "export class AlertsService {
           async checkRule(id: string) {
             await this.db.selectFrom('plans').selectAll().execute();
             await this.db.selectFrom('plans').select('id').execute();
           }
         }",
    );
    let ids: Vec<&str> = found.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "src/spec.ts::AlertsService.checkRule::kysely.select::plans#1",
            "src/spec.ts::AlertsService.checkRule::kysely.select::plans#2",
        ]
    );
}

#[test]
fn same_file_helper_wrapping_the_builder_scopes_it() {
    assert_verdict(
        "function scopeToOrg<QB extends SelectQueryBuilder<DB, 'dashboards', any>>(qb: QB, orgId: string): QB {
           return qb.where('organization_id', '=', orgId) as QB;
         }
         export async function listDashboards(orgId: string) {
           return scopeToOrg(db.selectFrom('dashboards').selectAll(), orgId).orderBy('name').execute();
         }",
        Scoped,
        &["in helper `scopeToOrg`"],
    );
}

#[test]
fn same_file_helper_applied_with_call_scopes_it() {
    let source = "const scopeToOrg = (qb, orgId) => qb.where('organization_id', '=', orgId);
         async function get(orgId: string, id: string) {
           return db.selectFrom('dashboards').selectAll().where('id', '=', id).$call((qb) => scopeToOrg(qb, orgId)).executeTakeFirst();
         }";
    assert_verdict(source, Scoped, &["in helper `scopeToOrg`"]);
}

#[test]
fn helper_that_adds_no_tenant_constraint_does_not_scope() {
    assert_verdict(
        "function paginate(qb, page) { return qb.limit(50).offset(page * 50); }
         async function list() { return paginate(db.selectFrom('dashboards').selectAll(), 2).execute(); }",
        Unscoped,
        &["no tenant constraint on dashboards"],
    );
}

#[test]
fn builder_passed_to_an_unknown_function_is_unknown() {
    assert_verdict(
        "import { scopeToProject } from './scoping';
         async function list(projectId: string) {
           return scopeToProject(db.selectFrom('logs').selectAll(), projectId).execute();
         }",
        Unknown,
        &["scopeToProject(…) receives the query"],
    );
}

#[test]
fn executed_query_passed_on_is_not_a_helper() {
    assert_verdict(
        "async function list(orgId: string) {
           return wrapRows(await db.selectFrom('dashboards').selectAll().where('organization_id', '=', orgId).execute());
         }",
        Scoped,
        &["organization_id"],
    );
}

#[test]
fn helpers_from_other_files_come_from_the_inventory() {
    let mut taxonomy = support::taxonomy();
    taxonomy.insert_helper("scopeToProject", "project_id");
    let source = "async function list(projectId: string) {
           return scopeToProject(db.selectFrom('logs').selectAll(), projectId).execute();
         }";
    let path = support::only_path_with(source, &taxonomy);
    assert_eq!(path.verdict, Scoped, "{}", path.evidence);
    assert!(path
        .evidence
        .contains("scoping helper `scopeToProject` (inventory: enforces project_id)"));
}

#[test]
fn exists_with_a_correlated_scoped_subquery_scopes_the_outer_table() {
    let found = paths(
        "db.selectFrom('alert_history as h').selectAll()
           .where((eb) => eb.exists(eb.selectFrom('alert_rules as r').whereRef('r.id', '=', 'h.alert_rule_id').where('r.organization_id', '=', orgId)))",
    );
    let outer = found.iter().find(|p| p.target == "alert_history").unwrap();
    assert_eq!(outer.verdict, Scoped, "{}", outer.evidence);
}

#[test]
fn exists_with_an_unscoped_subquery_does_not_scope() {
    let found = paths(
        "db.selectFrom('alert_history as h').selectAll()
           .where((eb) => eb.exists(eb.selectFrom('alert_rules as r').whereRef('r.id', '=', 'h.alert_rule_id').where('r.enabled', '=', true)))",
    );
    let outer = found.iter().find(|p| p.target == "alert_history").unwrap();
    assert_eq!(outer.verdict, Unscoped, "{}", outer.evidence);
}

#[test]
fn merge_needs_both_target_and_source_constrained() {
    assert_verdict(
        "db.mergeInto('usage_records as t').using('usage_records as s', 's.id', 't.id')
           .whenMatched().thenUpdateSet({ quantity: 1 }).execute()",
        Unscoped,
        &["no tenant constraint on usage_records"],
    );
}

#[test]
fn writing_cte_is_a_path_like_any_other_write() {
    let found = paths(
        "db.with('gone', (qb) => qb.deleteFrom('saved_searches').where('id', '=', id).returning('id'))
           .selectFrom('gone').selectAll().execute()",
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].operation, "delete");
    assert_eq!(found[0].verdict, Unscoped);
}
