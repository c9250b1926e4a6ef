//! The contributor checklist, derived from the inventory — its tenancy keys,
//! tables, queues, caches and coverage areas — plus the items the team adds
//! under `checklist:`. The document and the pull-request template show the
//! same list, so a contributor reads the same rules in both places.

use crate::extract::ExtractRules;
use crate::inventory::Inventory;
use crate::scope::TableClass;
use std::collections::BTreeMap;

/// The checklist items, in the order contributors should go through them.
pub fn items(inventory: &Inventory) -> Vec<String> {
    let config = config_file(inventory);
    let mut items = Vec::new();
    items.push(scope_columns_item(inventory));

    let children: Vec<String> = inventory
        .tables
        .iter()
        .filter_map(|table| match &table.class {
            TableClass::Child { parent, via } => Some(format!("`{}` through `{parent}` (`{via}`)", table.name)),
            _ => None,
        })
        .collect();
    if !children.is_empty() {
        items.push(format!(
            "Queries on child tables join their parent and constrain it: {}.",
            children.join(", ")
        ));
    }
    items.push(
        "Joins are scoped at every level: each joined tenant table is constrained, or joined on its scope column to \
         a constrained table."
            .to_string(),
    );
    items.push(
        "Updates and deletes verify tenant ownership before executing; a filter on the primary key alone is not enough."
            .to_string(),
    );
    items.push("Ids taken from the URL or request body are verified to belong to the caller's tenant.".to_string());

    let properties = code_list(&inventory.taxonomy.beyond_sql.tenancy_properties);
    let mut cache = format!(
        "Cache keys carry a tenant id ({properties}){}",
        match inventory.taxonomy.beyond_sql.global_cache_keys.as_slice() {
            [] => String::new(),
            keys => format!("; only keys shared by every tenant by design match {}", code_list(keys)),
        }
    );
    cache.push('.');
    items.push(cache);
    items.push(format!(
        "Job payloads carry a tenant id ({properties}), and workers check it against the rows they load before \
         touching data."
    ));
    if storage_engine_configured(inventory) {
        let sentinels = &inventory.taxonomy.beyond_sql.global_sentinels;
        items.push(format!(
            "Calls to the storage engine ({}) pass a tenant id in their params{}.",
            code_list(&inventory.rules.reservoir_receivers),
            if sentinels.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} marks a deliberate cross-tenant call, which needs a classification",
                    code_list(sentinels)
                )
            }
        ));
    }
    if !inventory.coverage.is_empty() {
        let areas: Vec<&str> = inventory.coverage.iter().map(|a| a.name.as_str()).collect();
        items.push(format!(
            "A change to one of the areas that need a two-tenant isolation test ({}) keeps that test passing, or \
             adds it where the coverage matrix shows it missing; a new area gets a test and an entry under \
             `coverage:` in `{config}`.",
            areas.join(", ")
        ));
    }
    items.push(format!(
        "`tenant-audit check` passes; any new path it reports is fixed or classified in `{config}` with a reason."
    ));
    items.extend(inventory.checklist.iter().cloned());
    items
}

/// The section for `.github/pull_request_template.md`.
pub fn pr_template(inventory: &Inventory) -> String {
    let config = config_file(inventory);
    let mut out = String::new();
    out.push_str("## Tenant isolation\n\n");
    out.push_str(&format!(
        "<!-- Rendered from {config} by `tenant-audit checklist --pr-template`; run it again when the inventory \
         changes. -->\n\n"
    ));
    out.push_str(
        "If this change touches data access — queries, cache keys, job payloads or storage-engine calls — tick \
         each item that holds:\n\n",
    );
    for item in items(inventory) {
        out.push_str(&format!("- [ ] {item}\n"));
    }
    out
}

/// "Every query on a tenant table constrains ..." with the scope columns of
/// the taxonomy: the tenancy keys, and each other column with its tables.
fn scope_columns_item(inventory: &Inventory) -> String {
    let keys = &inventory.taxonomy.tenancy_keys;
    let mut others: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for table in &inventory.tables {
        if let TableClass::Tenant { keys: scope } = &table.class {
            for column in scope.iter().filter(|c| !keys.contains(c)) {
                others
                    .entry(column.clone())
                    .or_default()
                    .push(format!("`{}`", table.name));
            }
        }
    }
    let mut columns = vec![code_list(keys)];
    columns.extend(
        others
            .into_iter()
            .map(|(column, tables)| format!("`{column}` on {}", tables.join(", "))),
    );
    format!(
        "Every query on a tenant table constrains the table's scope column in its WHERE clause ({}); naming it in \
         `select`, `returning` or `orderBy` does not count.",
        columns.join("; ")
    )
}

/// Whether the inventory names a storage-engine client of its own, rather
/// than leaving the default receiver in place for a codebase without one.
fn storage_engine_configured(inventory: &Inventory) -> bool {
    let defaults = ExtractRules::default();
    inventory.rules.reservoir_receivers != defaults.reservoir_receivers
        || !inventory.rules.reservoir_datasets.is_empty()
        || !inventory.taxonomy.beyond_sql.global_sentinels.is_empty()
}

/// `a`, `b` or `c`.
fn code_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

fn config_file(inventory: &Inventory) -> String {
    inventory
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "inventory.yaml".to_string())
}
