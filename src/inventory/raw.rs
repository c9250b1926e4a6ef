//! The YAML model of `inventory.yaml`, exactly as written. Unknown keys are
//! rejected so that a typo never silently drops a setting; validation into the
//! runtime [`super::Inventory`] is a separate step.

use serde::Deserialize;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInventory {
    /// Metadata compliance readers look for first.
    pub document: RawDocument,
    /// Where the rendered document goes, relative to this file's folder.
    #[serde(default)]
    pub output: Option<String>,
    /// Which source files to scan.
    pub sources: RawSources,
    /// Column names that identify a tenant.
    #[serde(default = "default_tenancy_keys")]
    pub tenancy_keys: Vec<String>,
    /// The table taxonomy.
    #[serde(default)]
    pub tables: RawTables,
    /// Where the database schema is declared, to check the taxonomy against.
    #[serde(default)]
    pub schema: Option<RawSchema>,
    /// Functions in other files that scope a query passed to them.
    #[serde(default)]
    pub scoping_helpers: Vec<RawScopingHelper>,
    /// Names that carry a tenant id in params, payloads and cache keys
    /// (default: organizationId, projectId, orgId, tenantId).
    #[serde(default)]
    pub tenancy_properties: Option<Vec<String>>,
    /// The storage-engine client.
    #[serde(default)]
    pub reservoir: RawReservoir,
    /// BullMQ queues.
    #[serde(default)]
    pub queues: RawQueues,
    /// Cache clients and keys.
    #[serde(default)]
    pub cache: RawCache,
    /// Route handlers and where their tenant ids come from.
    #[serde(default)]
    pub provenance: RawProvenance,
    /// Classifications of paths the code cannot prove scoped.
    #[serde(default)]
    pub paths: Vec<RawPathEntry>,
    /// When a classification is stale by date.
    #[serde(default)]
    pub staleness: RawStaleness,
    /// The two-tenant isolation tests each area must have.
    #[serde(default)]
    pub coverage: RawCoverage,
    /// Items the team adds to the contributor checklist.
    #[serde(default)]
    pub checklist: RawChecklist,
}

fn default_tenancy_keys() -> Vec<String> {
    vec!["organization_id".to_string(), "project_id".to_string()]
}

/// Document metadata.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDocument {
    /// Document title.
    pub title: String,
    /// Systems the audit covers.
    #[serde(default)]
    pub systems: Vec<String>,
    /// Who keeps the document true.
    pub owner: String,
    /// Who signs it off.
    #[serde(default)]
    pub approver: Option<String>,
    /// Document version.
    #[serde(default)]
    pub version: Option<String>,
    /// Date of the last review, `YYYY-MM-DD`.
    #[serde(default)]
    pub last_reviewed: Option<String>,
    /// Date of the next review, `YYYY-MM-DD`.
    #[serde(default)]
    pub next_review: Option<String>,
}

/// Source selection.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSources {
    /// Folders to scan, relative to this file's folder.
    pub roots: Vec<String>,
    /// Globs a file must match (default: every TypeScript file).
    #[serde(default)]
    pub include: Vec<String>,
    /// Globs that exclude a file (default: tests and node_modules).
    #[serde(default = "default_exclude")]
    pub exclude: Vec<String>,
}

fn default_exclude() -> Vec<String> {
    ["**/node_modules/**", "**/*.test.*", "**/*.spec.*", "**/__tests__/**"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// The table taxonomy, in three groups.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTables {
    /// Tables whose rows belong to a tenant through their own column.
    #[serde(default)]
    pub tenant: Vec<RawTenantTable>,
    /// Tables whose rows belong to a tenant through a parent row.
    #[serde(default)]
    pub child: Vec<RawChildTable>,
    /// Tables shared by every tenant.
    #[serde(default)]
    pub global: Vec<RawGlobalTable>,
}

/// A tenant table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTenantTable {
    /// Table name.
    pub name: String,
    /// Scope columns (default: the tenancy keys).
    #[serde(default)]
    pub scope: Option<Vec<String>>,
}

/// A child table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChildTable {
    /// Table name.
    pub name: String,
    /// Parent table.
    pub parent: String,
    /// Column holding the parent's id.
    pub via: String,
    /// Why the table has a tenancy-key column yet is scoped through its parent.
    #[serde(default)]
    pub allow_tenant_key: Option<String>,
}

/// A global table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGlobalTable {
    /// Table name.
    pub name: String,
    /// Why it is shared by every tenant.
    pub reason: String,
    /// Why the table has a tenancy-key column yet is global.
    #[serde(default)]
    pub allow_tenant_key: Option<String>,
}

/// The schema sources.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSchema {
    /// The TypeScript file with the Kysely `Database` interface.
    #[serde(default)]
    pub kysely: Option<RawKyselySchema>,
    /// Folders of SQL migrations, read in path order.
    #[serde(default)]
    pub migrations: Vec<String>,
}

/// The Kysely schema file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKyselySchema {
    /// File, relative to the inventory's folder.
    pub file: String,
    /// The interface passed to `Kysely<...>` (default `Database`).
    #[serde(default = "default_interface")]
    pub interface: String,
}

fn default_interface() -> String {
    "Database".to_string()
}

/// Storage-engine client settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReservoir {
    /// Receiver names of the client (default `reservoir`).
    #[serde(default)]
    pub receivers: Option<Vec<String>>,
    /// Methods that carry no tenant data (default getEngineType, healthCheck, initialize).
    #[serde(default)]
    pub ignore_methods: Option<Vec<String>>,
    /// Values meaning "every tenant, deliberately" (e.g. GLOBAL_SCOPE).
    #[serde(default)]
    pub global_sentinels: Vec<String>,
    /// Method → the data set it touches (default: the method name).
    #[serde(default)]
    pub datasets: std::collections::BTreeMap<String, String>,
}

/// Queue settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQueues {
    /// Functions that return a queue for a name: `createQueue('emails')`.
    #[serde(default)]
    pub queue_factories: Vec<String>,
    /// Functions that start a worker for a name and processor: `createWorker('emails', fn)`.
    #[serde(default)]
    pub worker_factories: Vec<String>,
}

/// Cache settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCache {
    /// Receiver names of cache clients (default redis, cache).
    #[serde(default)]
    pub clients: Option<Vec<String>>,
    /// Methods whose first argument is a key (a trailing `*` matches a prefix).
    #[serde(default)]
    pub methods: Option<Vec<String>>,
    /// Key shapes shared by every tenant by design (`feature-flags:*`).
    #[serde(default)]
    pub global_keys: Vec<String>,
}

/// Settings for request-supplied tenant ids.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProvenance {
    /// Receivers of route registrations (default app, fastify, server, instance, router, api).
    #[serde(default)]
    pub route_receivers: Option<Vec<String>>,
    /// Request paths set by authentication, e.g. `request.projectId`, `request.user.organizationId`.
    #[serde(default)]
    pub trusted: Vec<String>,
    /// Functions that prove the caller may use a tenant id.
    #[serde(default)]
    pub verifiers: Vec<RawVerifier>,
}

/// A verifier.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVerifier {
    /// Function name.
    pub name: String,
    /// As a route hook (`preHandler: requireOrgRole('viewer')`), the ids it
    /// checks; when omitted, the ids passed to it.
    #[serde(default)]
    pub verifies: Vec<String>,
}

/// A function that adds a tenant constraint to the query passed to it, e.g.
/// `scopeToProject(qb, projectId)` defined in a shared module.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScopingHelper {
    /// Function name as called.
    pub name: String,
    /// The tenant key it constrains.
    pub key: String,
}

/// A classification.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPathEntry {
    /// The path's stable id.
    pub id: String,
    /// `scoped`, `global` or `unclear`.
    pub classification: Classification,
    /// Why; required.
    pub reason: String,
    /// Who answers for it.
    #[serde(default)]
    pub owner: Option<String>,
    /// When it was last reviewed, `YYYY-MM-DD`.
    #[serde(default)]
    pub reviewed: Option<String>,
    /// The day after which the classification no longer counts, `YYYY-MM-DD`.
    #[serde(default)]
    pub expires: Option<String>,
}

/// When a classification is stale although its path still exists.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStaleness {
    /// An entry whose `reviewed` date is older than this many days is stale.
    #[serde(default = "default_max_review_age_days")]
    pub max_review_age_days: u32,
    /// Whether a stale-by-date entry fails `check` (`error`) or is only reported (`warning`).
    #[serde(default)]
    pub severity: RawSeverity,
}

impl Default for RawStaleness {
    fn default() -> Self {
        RawStaleness {
            max_review_age_days: default_max_review_age_days(),
            severity: RawSeverity::default(),
        }
    }
}

fn default_max_review_age_days() -> u32 {
    365
}

/// How much a finding weighs, as written in the inventory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawSeverity {
    /// Fails `check`.
    #[default]
    Error,
    /// Reported; does not fail.
    Warning,
}

/// Isolation-test coverage.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCoverage {
    /// The areas that need a two-tenant test, in document order.
    #[serde(default)]
    pub areas: Vec<RawCoverageArea>,
}

/// One area that needs a two-tenant isolation test.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCoverageArea {
    /// What the area is, for the document (`Search and query`).
    pub name: String,
    /// Globs of the test files that cover it, relative to this file's folder.
    #[serde(default)]
    pub tests: Vec<String>,
    /// Globs of the path ids the tests protect (`src/modules/logs/**`).
    #[serde(default)]
    pub protects: Vec<String>,
}

/// Contributor checklist settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChecklist {
    /// Items added after the ones derived from this file.
    #[serde(default)]
    pub items: Vec<String>,
}

/// What a reviewer decided about a path the code cannot prove scoped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Classification {
    /// Scoped by something the analysis cannot see (the reason says what).
    Scoped,
    /// Deliberately crosses tenants (the reason says why that is safe).
    Global,
    /// Not yet decided: an open item.
    Unclear,
}

impl Classification {
    /// Every classification, in document order.
    pub const ALL: [Classification; 3] = [Classification::Scoped, Classification::Global, Classification::Unclear];

    /// The name used in YAML, JSON and the document.
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Scoped => "scoped",
            Classification::Global => "global",
            Classification::Unclear => "unclear",
        }
    }
}
