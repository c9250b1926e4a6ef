//! The table taxonomy scoping judges against: which tables hold tenant data,
//! through which columns, and which are global.

use std::collections::BTreeMap;

/// How a table relates to tenants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableClass {
    /// Rows belong to a tenant through one of these columns
    /// (`organization_id`, `project_id`, or e.g. `user_id`).
    Tenant {
        /// Scope columns; a constraint on any one of them scopes the table.
        keys: Vec<String>,
    },
    /// Rows belong to a tenant through a parent row: `alert_history.alert_rule_id`
    /// → `alert_rules.id`.
    Child {
        /// The parent table.
        parent: String,
        /// The column holding the parent's id.
        via: String,
    },
    /// Shared by every tenant by design.
    Global,
}

/// Every table the inventory declares, and the default tenancy keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Taxonomy {
    /// Column names that identify a tenant (default `organization_id`, `project_id`).
    pub tenancy_keys: Vec<String>,
    tables: BTreeMap<String, TableClass>,
    /// Scoping helpers from other files: function name → the key it enforces.
    helpers: BTreeMap<String, String>,
    /// Rules for paths beyond SQL.
    pub beyond_sql: BeyondSqlRules,
}

/// How storage-engine calls, job payloads and cache keys name a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeyondSqlRules {
    /// Property and variable names that carry a tenant id (`organizationId`,
    /// `projectId`, ...); the tenancy keys count too.
    pub tenancy_properties: Vec<String>,
    /// Values that mean "every tenant, deliberately" (`GLOBAL_SCOPE`).
    pub global_sentinels: Vec<String>,
    /// Cache key shapes that are global by design; `*` matches any text.
    pub global_cache_keys: Vec<String>,
}

impl Default for BeyondSqlRules {
    fn default() -> Self {
        BeyondSqlRules {
            tenancy_properties: ["organizationId", "projectId", "orgId", "tenantId"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            global_sentinels: Vec::new(),
            global_cache_keys: Vec::new(),
        }
    }
}

impl Taxonomy {
    /// A taxonomy with these tenancy keys and no tables.
    pub fn new(tenancy_keys: Vec<String>) -> Self {
        Taxonomy {
            tenancy_keys,
            tables: BTreeMap::new(),
            helpers: BTreeMap::new(),
            beyond_sql: BeyondSqlRules::default(),
        }
    }

    /// Declares `table`; a later declaration replaces an earlier one.
    pub fn insert(&mut self, table: impl Into<String>, class: TableClass) {
        self.tables.insert(table.into(), class);
    }

    /// How `table` is declared, if it is.
    pub fn class(&self, table: &str) -> Option<&TableClass> {
        self.tables.get(table)
    }

    /// Declares `name` a scoping helper: passing a query to it constrains `key`.
    pub fn insert_helper(&mut self, name: impl Into<String>, key: impl Into<String>) {
        self.helpers.insert(name.into(), key.into());
    }

    /// The key scoping helper `name` enforces, if it is declared.
    pub fn helper_key(&self, name: &str) -> Option<&str> {
        self.helpers.get(name).map(String::as_str)
    }

    /// Whether `name` (a property, variable or last path segment) carries a tenant id.
    pub fn is_tenancy_name(&self, name: &str) -> bool {
        self.beyond_sql.tenancy_properties.iter().any(|p| p == name) || self.tenancy_keys.iter().any(|k| k == name)
    }

    /// Every declared table, by name.
    pub fn tables(&self) -> impl Iterator<Item = (&str, &TableClass)> {
        self.tables.iter().map(|(name, class)| (name.as_str(), class))
    }
}
