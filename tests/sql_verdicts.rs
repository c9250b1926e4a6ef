//! Specification of raw SQL verdicts: a `sql` tagged template in, a verdict
//! and its evidence out. Tables are classified as in `support::taxonomy()`.

mod support;

use support::{assert_verdict, only_path, paths};
use tenant_audit::model::Verdict::{Conditional, NotTenant, Scoped, Unknown, Unscoped};

#[test]
fn tenant_key_in_where_is_scoped() {
    assert_verdict(
        "const { rows } = await sql<UsageRow>`SELECT metric, SUM(quantity) FROM usage_records
           WHERE organization_id = ${orgId} AND period_start >= ${from} GROUP BY metric`.execute(db);",
        Scoped,
        &["usage_records: `organization_id = ${orgId}`"],
    );
}

#[test]
fn plain_tagged_template_is_a_path_too() {
    let path = only_path("await sql`SELECT * FROM logs WHERE project_id = ANY(${ids})`.execute(db);");
    assert_eq!(path.kind.as_str(), "sql");
    assert_eq!(path.operation, "select");
    assert_eq!(path.verdict, Scoped, "{}", path.evidence);
}

#[test]
fn tenant_column_only_in_the_select_list_is_unscoped() {
    assert_verdict(
        "sql`SELECT id, organization_id, url FROM webhooks WHERE id = ${webhookId}`",
        Unscoped,
        &["no tenant constraint on webhooks", "by primary key only"],
    );
}

#[test]
fn join_scoping_in_raw_sql() {
    assert_verdict(
        "sql`SELECT h.* FROM alert_history h JOIN alert_rules r ON r.id = h.alert_rule_id WHERE r.organization_id = ${orgId}`",
        Scoped,
        &["alert_history: through `r.id = h.alert_rule_id` to alert_rules"],
    );
    assert_verdict(
        "sql`SELECT h.* FROM alert_history h JOIN alert_rules r ON r.id = h.alert_rule_id WHERE h.status = 'firing'`",
        Unscoped,
        &["no tenant constraint on alert_rules"],
    );
}

#[test]
fn or_in_the_condition_is_conditional() {
    assert_verdict(
        "sql`SELECT * FROM dashboards WHERE organization_id = ${orgId} OR is_public`",
        Conditional,
        &["an OR in the SQL condition"],
    );
}

#[test]
fn left_join_condition_scopes_only_the_joined_table() {
    assert_verdict(
        "sql`SELECT * FROM logs l LEFT JOIN projects p ON p.id = l.project_id AND p.organization_id = ${orgId}`",
        Unscoped,
        &["no tenant constraint on logs"],
    );
}

#[test]
fn tenant_key_compared_with_a_literal_is_not_a_constraint() {
    assert_verdict(
        "sql`DELETE FROM projects WHERE organization_id = 'org_1'`",
        Unscoped,
        &["not a value from the caller"],
    );
}

#[test]
fn table_name_from_a_substitution_is_unknown() {
    assert_verdict(
        "sql`DELETE FROM ${sql.table(table)} WHERE created_at < ${cutoff}`",
        Unknown,
        &["sql.table(table)"],
    );
}

#[test]
fn inserts_are_decided_by_the_column_list() {
    assert_verdict(
        "sql`INSERT INTO audit_log (organization_id, action) VALUES (${orgId}, ${action})`",
        Scoped,
        &["organization_id in the inserted columns"],
    );
    assert_verdict(
        "sql`INSERT INTO audit_log (action) VALUES (${action})`",
        Unscoped,
        &["include no organization_id"],
    );
}

#[test]
fn updates_read_the_table_after_update() {
    let path = only_path("sql`UPDATE alert_rules SET enabled = false WHERE id = ${id}`");
    assert_eq!(path.operation, "update");
    assert_eq!(path.target, "alert_rules");
    assert_eq!(path.verdict, Unscoped);
}

#[test]
fn global_tables_are_not_tenant() {
    assert_verdict("sql`SELECT * FROM plans`", NotTenant, &["plans"]);
}

#[test]
fn fragments_without_tables_are_not_paths() {
    assert!(paths("db.selectFrom('plans').select(sql`now()`.as('at'))")
        .iter()
        .all(|p| p.kind.as_str() == "kysely"));
}

#[test]
fn cte_names_are_not_tables() {
    let path = only_path(
        "sql`WITH recent AS (SELECT * FROM logs WHERE project_id = ${projectId}) SELECT level, count(*) FROM recent GROUP BY level`",
    );
    assert_eq!(path.target, "logs");
    assert_eq!(path.verdict, Scoped, "{}", path.evidence);
}

#[test]
fn sql_raw_with_a_literal_is_read_as_sql() {
    assert_verdict(
        "await sql.raw('SELECT * FROM projects WHERE id = 1').execute(db);",
        Unscoped,
        &["no tenant constraint on projects"],
    );
}

#[test]
fn executed_sql_raw_with_a_computed_string_is_unknown() {
    let path = only_path("await sql.raw(buildReport(kind)).execute(db);");
    assert_eq!(path.verdict, Unknown);
    assert_eq!(path.target, "?");
}

#[test]
fn tautology_on_a_parameter_is_not_a_constraint() {
    assert_verdict(
        "sql`SELECT * FROM projects WHERE ${orgId}::uuid IS NOT NULL AND name = ${name}`",
        Unscoped,
        &["no tenant constraint on projects"],
    );
}

#[test]
fn awaited_sql_raw_with_type_arguments_is_found() {
    let path = only_path("async function run(q: string) { return (await sql.raw<Row>(q).execute(db)).rows; }");
    assert_eq!(path.verdict, Unknown);
}
