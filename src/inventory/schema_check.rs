//! Checks the taxonomy against the schema the code declares, and suggests a
//! taxonomy from it. A taxonomy that misses a table, calls a table with a
//! tenant column global, or scopes a table by a column it does not have would
//! make every verdict built on it wrong.

use super::merge::{Finding, FindingCode, Severity};
use super::{Inventory, TableDeclaration};
use crate::extract::schema::{Schema, TableSchema};
use crate::scope::TableClass;
use std::fmt::Write as _;

/// Findings about the taxonomy, given the schema.
pub fn check_schema(schema: &Schema, inventory: &Inventory) -> Vec<Finding> {
    let config = inventory.path.display().to_string();
    let keys = &inventory.taxonomy.tenancy_keys;
    let mut findings = Vec::new();
    for (name, table) in &schema.tables {
        if inventory.taxonomy.class(name).is_none() {
            let suggestion = suggest(name, table, schema, keys);
            findings.push(Finding {
                code: FindingCode::UnlistedTable,
                severity: Severity::Error,
                location: format!("{}:{}", table.file, table.line),
                message: format!("table `{name}` is in the schema but missing from the taxonomy"),
                help: format!(
                    "add it to {config} under `tables:` (suggested: {}); `tenant-audit taxonomy` prints a full suggestion",
                    suggestion.describe()
                ),
                detail: None,
            });
        }
    }
    for declaration in &inventory.tables {
        let Some(table) = schema.tables.get(&declaration.name) else {
            continue;
        };
        let location = format!("{config}:{}:{}", declaration.line, declaration.column);
        let tenant_columns: Vec<&String> = keys.iter().filter(|k| table.columns.contains(*k)).collect();
        match &declaration.class {
            TableClass::Global | TableClass::Child { .. }
                if !tenant_columns.is_empty() && declaration.allow_tenant_key.is_none() =>
            {
                let group = if declaration.class == TableClass::Global {
                    "global"
                } else {
                    "child"
                };
                findings.push(Finding {
                    code: FindingCode::TenantKeyOutsideTenantTable,
                    severity: Severity::Error,
                    location,
                    message: format!(
                        "`{}` is declared {group} but has the tenancy-key column(s) {} ({}:{})",
                        declaration.name,
                        join_code(&tenant_columns),
                        table.file,
                        table.line
                    ),
                    help: "declare it a tenant table scoped by that column, or say why it is not with `allow_tenant_key: \"<reason>\"` on its entry".into(),
                    detail: None,
                });
            }
            TableClass::Tenant { keys: scope } if !table.columns.is_empty() => {
                let missing: Vec<&String> = scope.iter().filter(|c| !table.columns.contains(*c)).collect();
                if !missing.is_empty() {
                    findings.push(Finding {
                        code: FindingCode::ScopeColumnMissing,
                        severity: Severity::Error,
                        location,
                        message: format!(
                            "tenant table `{}` is scoped by {}, which the schema does not declare ({}:{})",
                            declaration.name,
                            join_code(&missing),
                            table.file,
                            table.line
                        ),
                        help: "fix `scope:` to name the table's real tenant column(s)".into(),
                        detail: None,
                    });
                }
            }
            TableClass::Child { parent, via } if !table.columns.is_empty() && !table.columns.contains(via) => {
                findings.push(Finding {
                    code: FindingCode::ScopeColumnMissing,
                    severity: Severity::Error,
                    location,
                    message: format!(
                        "child table `{}` names `{via}` as its link to {parent}, which the schema does not declare ({}:{})",
                        declaration.name, table.file, table.line
                    ),
                    help: "fix `via:` to the column that holds the parent's id".into(),
                    detail: None,
                });
            }
            _ => {}
        }
    }
    findings
}

/// What the schema suggests a table is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suggested {
    /// Has tenancy-key columns.
    Tenant(Vec<String>),
    /// No tenancy key, but a `<parent>_id` column naming a tenant table.
    Child {
        /// Parent table.
        parent: String,
        /// The linking column.
        via: String,
    },
    /// Neither: possibly global.
    Global,
}

impl Suggested {
    fn describe(&self) -> String {
        match self {
            Suggested::Tenant(keys) => format!("tenant, scope [{}]", keys.join(", ")),
            Suggested::Child { parent, via } => format!("child of {parent} via {via}"),
            Suggested::Global => "global, with a reason".to_string(),
        }
    }
}

fn suggest(name: &str, table: &TableSchema, schema: &Schema, keys: &[String]) -> Suggested {
    let tenant_columns: Vec<String> = keys.iter().filter(|k| table.columns.contains(*k)).cloned().collect();
    if !tenant_columns.is_empty() {
        return Suggested::Tenant(tenant_columns);
    }
    for column in &table.columns {
        let Some(stem) = column.strip_suffix("_id") else {
            continue;
        };
        for parent in [
            format!("{stem}s"),
            format!("{stem}es"),
            stem_ies(stem),
            stem.to_string(),
        ] {
            if parent == name {
                continue;
            }
            if let Some(parent_table) = schema.tables.get(&parent) {
                if keys.iter().any(|k| parent_table.columns.contains(k)) {
                    return Suggested::Child {
                        parent,
                        via: column.clone(),
                    };
                }
            }
        }
    }
    Suggested::Global
}

fn stem_ies(stem: &str) -> String {
    match stem.strip_suffix('y') {
        Some(base) => format!("{base}ies"),
        None => format!("{stem}s"),
    }
}

fn join_code(columns: &[&String]) -> String {
    columns.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
}

/// The taxonomy the schema suggests, as YAML to paste under `tables:`, with a
/// comment wherever the inventory says otherwise.
pub fn suggest_taxonomy(schema: &Schema, inventory: &Inventory) -> String {
    let keys = &inventory.taxonomy.tenancy_keys;
    let config = inventory
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tenant = String::new();
    let mut child = String::new();
    let mut global = String::new();
    for (name, table) in &schema.tables {
        let suggested = suggest(name, table, schema, keys);
        let declared = inventory.tables.iter().find(|d| d.name == *name);
        let note = disagreement(&suggested, declared, &config);
        match suggested {
            Suggested::Tenant(scope) => {
                let _ = writeln!(tenant, "    - {{ name: {name}, scope: [{}] }}{note}", scope.join(", "));
            }
            Suggested::Child { parent, via } => {
                let _ = writeln!(child, "    - {{ name: {name}, parent: {parent}, via: {via} }}{note}");
            }
            Suggested::Global => {
                let reason = declared
                    .and_then(|d| d.reason.clone())
                    .unwrap_or_else(|| "TODO: why every tenant may share this table".to_string());
                let _ = writeln!(
                    global,
                    "    - {{ name: {name}, reason: \"{}\" }}{note}",
                    reason.replace('\\', "\\\\").replace('"', "\\\"")
                );
            }
        }
    }
    let mut out = format!(
        "# Taxonomy suggested by the schema; a `# {config}:` comment marks where the inventory says otherwise.\n\
         # Tables without a tenancy key are suggested global: review each (rows owned by a user, say, are tenant rows).\n\
         tables:\n"
    );
    for (group, body) in [("tenant", tenant), ("child", child), ("global", global)] {
        if body.is_empty() {
            let _ = writeln!(out, "  {group}: []");
        } else {
            let _ = write!(out, "  {group}:\n{body}");
        }
    }
    let missing: Vec<&str> = inventory
        .tables
        .iter()
        .filter(|d| !schema.tables.contains_key(&d.name))
        .map(|d| d.name.as_str())
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(out, "# In {config} but not in the schema: {}", missing.join(", "));
    }
    out
}

fn disagreement(suggested: &Suggested, declared: Option<&TableDeclaration>, config: &str) -> String {
    let Some(declared) = declared else {
        return format!("  # {config}: missing");
    };
    let agrees = match (&declared.class, suggested) {
        (TableClass::Tenant { keys }, Suggested::Tenant(scope)) => {
            let mut a = keys.clone();
            let mut b = scope.clone();
            a.sort();
            b.sort();
            a == b
        }
        (TableClass::Child { parent, via }, Suggested::Child { parent: p, via: v }) => parent == p && via == v,
        (TableClass::Global, Suggested::Global) => true,
        _ => false,
    };
    if agrees {
        return String::new();
    }
    let said = match &declared.class {
        TableClass::Tenant { keys } => format!("tenant, scope [{}]", keys.join(", ")),
        TableClass::Child { parent, via } => format!("child of {parent} via {via}"),
        TableClass::Global => "global".to_string(),
    };
    format!("  # {config}: {said}")
}
