//! Specification of schema reading: a Kysely `Database` interface or a SQL
//! migration in, each table's columns out. An empty column set means the
//! table is declared but its columns are not spelled out in that source.

use std::collections::BTreeSet;
use tenant_audit::extract::schema::{read_kysely_schema, read_sql_migration, Schema, SchemaError};

fn kysely(source: &str) -> Schema {
    read_kysely_schema(source.as_bytes(), "src/db/schema.ts", "Database").unwrap()
}

fn migrations(files: &[&str]) -> Schema {
    let mut schema = Schema::default();
    for (i, sql) in files.iter().enumerate() {
        read_sql_migration(sql, &format!("migrations/{:03}.sql", i + 1), &mut schema);
    }
    schema
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The columns of `table`, failing with the tables found when it is missing.
fn columns(schema: &Schema, table: &str) -> BTreeSet<String> {
    match schema.tables.get(table) {
        Some(t) => t.columns.clone(),
        None => panic!("no table {table}; found {:?}", schema.tables.keys().collect::<Vec<_>>()),
    }
}

fn tables(schema: &Schema) -> Vec<&str> {
    schema.tables.keys().map(String::as_str).collect()
}

// ---- Kysely ----

#[test]
fn interface_columns_of_any_type_are_read() {
    let schema = kysely(
        "import type { ColumnType, Generated } from 'kysely';
         export interface LogsTable {
           id: Generated<string>;
           project_id: string;
           timestamp: ColumnType<Date, Date | string, never>;
           level: 'info' | 'error';
           /** Set when the log was archived. */
           archived_at?: Date | null;
           position: { x: number; y: number };
         }
         export interface Database {
           logs: LogsTable;
         }",
    );
    assert_eq!(tables(&schema), ["logs"]);
    assert_eq!(
        columns(&schema, "logs"),
        set(&["id", "project_id", "timestamp", "level", "archived_at", "position"]),
        "nested object types in a value are not columns"
    );
    let logs = &schema.tables["logs"];
    assert_eq!((logs.file.as_str(), logs.line), ("src/db/schema.ts", 12));
}

#[test]
fn database_and_tables_may_be_type_aliases() {
    let schema = kysely(
        "type LogsTable = { id: string; project_id: string };
         export type Database = { logs: LogsTable; projects: ProjectsTable };
         interface ProjectsTable { id: string; organization_id: string }",
    );
    assert_eq!(columns(&schema, "logs"), set(&["id", "project_id"]));
    assert_eq!(columns(&schema, "projects"), set(&["id", "organization_id"]));
}

#[test]
fn inline_object_types_are_tables_too() {
    let schema = kysely("export interface Database { logs: { id: string; project_id: string } }");
    assert_eq!(columns(&schema, "logs"), set(&["id", "project_id"]));
}

#[test]
fn quoted_table_names_are_kept_as_written() {
    let schema = kysely(
        r#"interface UsersTable { id: string; 'email': string }
           interface Database { 'public.users': UsersTable; "audit.events": { id: string } }"#,
    );
    assert_eq!(tables(&schema), ["audit.events", "public.users"]);
    assert_eq!(columns(&schema, "public.users"), set(&["id", "email"]));
}

#[test]
fn imported_table_types_are_declared_with_unknown_columns() {
    let schema = kysely(
        "import type { UsersTable } from './auth';
         interface Base { id: string }
         interface LogsTable extends Base { project_id: string }
         interface EventsTable extends Imported { project_id: string }
         interface Database { users: UsersTable; logs: LogsTable; events: EventsTable; meta: Record<string, string> }",
    );
    assert_eq!(tables(&schema), ["events", "logs", "meta", "users"]);
    assert_eq!(columns(&schema, "users"), set(&[]));
    assert_eq!(
        columns(&schema, "logs"),
        set(&["id", "project_id"]),
        "a base in the same file is read"
    );
    assert_eq!(
        columns(&schema, "events"),
        set(&[]),
        "a partly imported row type is not guessed at"
    );
    assert_eq!(columns(&schema, "meta"), set(&[]));
}

#[test]
fn merged_interfaces_and_aliases_of_intersections_are_followed() {
    let schema = kysely(
        "interface AuthTables { users: { id: string } }
         type BillingTables = { invoices: Readonly<{ id: string; organization_id: string }> };
         export type DB = AuthTables & BillingTables;
         export interface Database extends DB { logs: { id: string } }
         export interface Database { projects: { id: string } }",
    );
    assert_eq!(tables(&schema), ["invoices", "logs", "projects", "users"]);
    assert_eq!(columns(&schema, "invoices"), set(&["id", "organization_id"]));
}

#[test]
fn the_interface_name_is_configurable() {
    let source = "export interface DB { logs: { id: string } }";
    let schema = read_kysely_schema(source.as_bytes(), "src/db/types.d.ts", "DB").unwrap();
    assert_eq!(tables(&schema), ["logs"]);
}

#[test]
fn a_missing_database_interface_is_an_error_naming_it_and_the_file() {
    let error =
        read_kysely_schema(b"interface Tables { logs: LogsTable }", "src/db/schema.ts", "Database").unwrap_err();
    assert!(matches!(error, SchemaError::InterfaceNotFound { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("Database") && message.contains("src/db/schema.ts"),
        "{message}"
    );
}

#[test]
fn a_database_that_is_not_spelled_out_is_an_error() {
    let error = read_kysely_schema(
        b"import type { DB } from './generated';\nexport type Database = DB;",
        "src/db/schema.ts",
        "Database",
    )
    .unwrap_err();
    assert!(
        matches!(error, SchemaError::NotAnObjectType { line: 2, .. }),
        "{error:?}"
    );
}

#[test]
fn syntax_errors_elsewhere_do_not_hide_the_interface() {
    let schema = kysely("const broken = (;\ninterface Database { logs: { id: string } }");
    assert_eq!(columns(&schema, "logs"), set(&["id"]));
}

#[test]
fn logwell_schema_is_read() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/logwell/src/db/schema.ts");
    let source = std::fs::read(path).unwrap();
    let schema = read_kysely_schema(&source, "src/db/schema.ts", "Database").unwrap();
    assert_eq!(schema.tables.len(), 18);
    let alert_history = columns(&schema, "alert_history");
    assert!(alert_history.contains("alert_rule_id"), "{alert_history:?}");
    assert!(!alert_history.contains("organization_id"), "{alert_history:?}");
    assert!(columns(&schema, "logs").contains("project_id"));
    assert!(columns(&schema, "audit_log").contains("organization_id"));
    assert!(
        columns(&schema, "api_keys").contains("prefix"),
        "doc comments between columns are skipped"
    );
    assert!(columns(&schema, "plans").iter().all(|c| c != "organization_id"));
}

// ---- SQL migrations ----

#[test]
fn create_table_lists_columns_not_constraints() {
    let schema = migrations(&["
        CREATE TABLE invoices (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
          amount numeric(10, 2) NOT NULL CHECK (amount >= 0),
          tags text[] DEFAULT ARRAY['a', 'b'],
          CONSTRAINT invoices_amount_positive CHECK (amount > 0),
          PRIMARY KEY (id, organization_id),
          FOREIGN KEY (organization_id) REFERENCES organizations (id),
          UNIQUE (organization_id, id),
          CHECK (amount < 1000000),
          EXCLUDE USING gist (organization_id WITH =)
        );"]);
    assert_eq!(tables(&schema), ["invoices"]);
    assert_eq!(
        columns(&schema, "invoices"),
        set(&["id", "organization_id", "amount", "tags"])
    );
    let invoices = &schema.tables["invoices"];
    assert_eq!((invoices.file.as_str(), invoices.line), ("migrations/001.sql", 2));
}

#[test]
fn keywords_are_case_insensitive_and_if_not_exists_keeps_the_first() {
    let schema = migrations(&[
        "create table if not exists logs (id uuid, project_id uuid);",
        "CREATE TABLE IF NOT EXISTS logs (id uuid);",
        "Create Temporary Table scratch (x int)",
    ]);
    assert_eq!(columns(&schema, "logs"), set(&["id", "project_id"]));
    assert_eq!(schema.tables["logs"].file, "migrations/001.sql");
    assert_eq!(columns(&schema, "scratch"), set(&["x"]));
}

#[test]
fn quoted_and_schema_qualified_names_are_kept_as_written_without_quotes() {
    let schema = migrations(&[r#"
        CREATE TABLE "public"."logs" ("id" uuid, "Project Id" uuid);
        CREATE TABLE public.projects (id uuid);
        CREATE TABLE "Users" (id uuid);
        CREATE TABLE `events` (`id` int);
        "#]);
    assert_eq!(tables(&schema), ["Users", "events", "public.logs", "public.projects"]);
    assert_eq!(columns(&schema, "public.logs"), set(&["id", "Project Id"]));
}

#[test]
fn alter_table_adds_columns_with_or_without_the_column_word() {
    let schema = migrations(&[
        "CREATE TABLE logs (id uuid);",
        "ALTER TABLE logs ADD COLUMN project_id uuid NOT NULL;
         ALTER TABLE logs ADD level text;
         ALTER TABLE IF EXISTS ONLY logs ADD COLUMN IF NOT EXISTS message text, ADD attributes jsonb DEFAULT '{}';
         ALTER TABLE logs ADD CONSTRAINT logs_project FOREIGN KEY (project_id) REFERENCES projects (id);
         ALTER TABLE logs ADD PRIMARY KEY (id);",
    ]);
    assert_eq!(
        columns(&schema, "logs"),
        set(&["id", "project_id", "level", "message", "attributes"])
    );
    assert_eq!(
        schema.tables["logs"].file, "migrations/001.sql",
        "the first declaration is kept"
    );
}

#[test]
fn alter_table_on_an_unseen_table_declares_it_there() {
    let schema = migrations(&["-- created by an earlier tool\n\nALTER TABLE legacy ADD COLUMN organization_id uuid;"]);
    assert_eq!(columns(&schema, "legacy"), set(&["organization_id"]));
    assert_eq!(schema.tables["legacy"].line, 3);
}

#[test]
fn alter_table_drops_columns_but_not_for_constraints() {
    let schema = migrations(&[
        "CREATE TABLE webhooks (id uuid, organization_id uuid, secret text, legacy text, url text, key text);",
        "ALTER TABLE webhooks DROP COLUMN secret;
         ALTER TABLE webhooks DROP legacy CASCADE;
         ALTER TABLE webhooks DROP COLUMN IF EXISTS nothing_here;
         ALTER TABLE webhooks DROP CONSTRAINT url;
         ALTER TABLE webhooks DROP key;",
    ]);
    assert_eq!(columns(&schema, "webhooks"), set(&["id", "organization_id", "url"]));
}

#[test]
fn alter_table_renames_tables_and_columns() {
    let schema = migrations(&[
        "CREATE TABLE alerts (id uuid, rule uuid);\nCREATE TABLE public.hooks (id uuid);",
        "ALTER TABLE alerts RENAME TO alert_history;
         ALTER TABLE alert_history RENAME COLUMN rule TO alert_rule_id;
         ALTER TABLE public.hooks RENAME TO webhooks;",
    ]);
    assert_eq!(tables(&schema), ["alert_history", "public.webhooks"]);
    assert_eq!(columns(&schema, "alert_history"), set(&["id", "alert_rule_id"]));
    assert_eq!(
        schema.tables["alert_history"].file, "migrations/001.sql",
        "a rename keeps where the table was declared"
    );
}

#[test]
fn drop_table_removes_tables() {
    let schema = migrations(&[
        "CREATE TABLE a (id int); CREATE TABLE b (id int); CREATE TABLE c (id int); CREATE TABLE d (id int);",
        "DROP TABLE a; DROP TABLE IF EXISTS b, c CASCADE; DROP TABLE IF EXISTS never_created;",
    ]);
    assert_eq!(tables(&schema), ["d"]);
}

#[test]
fn comments_and_other_statements_are_skipped() {
    let schema = migrations(&["
        -- CREATE TABLE commented_out (id int);
        /* CREATE TABLE also_commented (id int); /* nested */ still comment; */
        CREATE TABLE logs ( -- the hot window
          id uuid, /* generated */
          project_id uuid -- owner, via projects
        );
        CREATE INDEX logs_project ON logs (project_id);
        INSERT INTO logs (id, project_id) VALUES ('a;b', '00000000-0000-0000-0000-000000000000');
        CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN ALTER TABLE logs ADD x int; END; $$ LANGUAGE plpgsql;
        "]);
    assert_eq!(tables(&schema), ["logs"]);
    assert_eq!(columns(&schema, "logs"), set(&["id", "project_id"]));
}

#[test]
fn the_down_half_of_a_migration_is_not_applied() {
    let schema = migrations(&["-- +goose Up\nCREATE TABLE logs (id uuid);\n\n-- +goose Down\nDROP TABLE logs;\n"]);
    assert_eq!(tables(&schema), ["logs"]);
}

#[test]
fn tables_copied_from_others_take_their_columns() {
    let schema = migrations(&["
        CREATE TABLE logs (id uuid, project_id uuid);
        CREATE TABLE logs_archive (LIKE logs INCLUDING ALL, archived_at timestamptz);
        CREATE TABLE logs_2024 PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE summary AS SELECT project_id, count(*) FROM logs GROUP BY project_id;
        "]);
    assert_eq!(
        columns(&schema, "logs_archive"),
        set(&["id", "project_id", "archived_at"])
    );
    assert_eq!(columns(&schema, "logs_2024"), set(&["id", "project_id"]));
    assert_eq!(columns(&schema, "summary"), set(&[]), "declared, columns unknown");
}
