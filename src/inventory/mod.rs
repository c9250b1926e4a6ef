//! Stage 3: the team's hand-curated `inventory.yaml` — document metadata,
//! sources, the table taxonomy and the classifications — and its merge with
//! what the code shows.

mod coverage;
mod edit;
mod load;
mod locate;
mod merge;
mod raw;
mod review;
mod schema_check;

pub use coverage::CoverageArea;
pub use edit::{append_unclear_entries, remove_entries, EditError, BASELINE_REASON};
pub use load::{is_path_id, load, DEFAULT_CONFIG, DEFAULT_OUTPUT};
pub use merge::{merge, sort_findings, stanza, Audit, AuditedPath, Finding, FindingCode, Severity, Status};
pub use raw::{Classification, RawDocument as Document};
pub use review::{parse_date, review_findings, StalenessPolicy};
pub use schema_check::{check_schema, suggest_taxonomy};

use crate::extract::SourceSelection;
use crate::scope::{TableClass, Taxonomy};
use std::fmt;
use std::path::PathBuf;

/// A validated inventory.
#[derive(Debug, Clone)]
pub struct Inventory {
    /// The file it was read from.
    pub path: PathBuf,
    /// Its folder; every path inside is relative to it.
    pub base: PathBuf,
    /// Document metadata.
    pub document: Document,
    /// Source roots as written, for the document.
    pub source_roots: Vec<String>,
    /// What to scan.
    pub selection: SourceSelection,
    /// The table taxonomy.
    pub taxonomy: Taxonomy,
    /// The taxonomy as declared, in file order, for the document.
    pub tables: Vec<TableDeclaration>,
    /// Classifications, in file order.
    pub entries: Vec<PathEntry>,
    /// Where the rendered document goes.
    pub output: PathBuf,
    /// Where the database schema is declared, when configured.
    pub schema: Option<crate::extract::SchemaSources>,
    /// Which calls are storage-engine, queue and cache paths.
    pub rules: crate::extract::ExtractRules,
    /// When a classification is stale by date.
    pub staleness: StalenessPolicy,
    /// Areas that need a two-tenant isolation test, in file order.
    pub coverage: Vec<CoverageArea>,
    /// Contributor-checklist items the team adds, in file order.
    pub checklist: Vec<String>,
}

/// One table of the taxonomy, as declared.
#[derive(Debug, Clone)]
pub struct TableDeclaration {
    /// Table name.
    pub name: String,
    /// How it is scoped.
    pub class: TableClass,
    /// For global tables: why.
    pub reason: Option<String>,
    /// Why a global or child table may carry a tenancy-key column.
    pub allow_tenant_key: Option<String>,
    /// 1-based line of the declaration in the inventory.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// One classification from `paths:`.
#[derive(Debug, Clone)]
pub struct PathEntry {
    /// Path id.
    pub id: String,
    /// The decision.
    pub classification: Classification,
    /// Why.
    pub reason: String,
    /// Who answers for it.
    pub owner: Option<String>,
    /// Last review date.
    pub reviewed: Option<String>,
    /// The day after which the classification no longer counts.
    pub expires: Option<String>,
    /// 1-based line of the entry in the inventory.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// One problem in the inventory file, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The inventory file.
    pub file: PathBuf,
    /// 1-based line (0 when the file could not be read at all).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Stable kebab-case code.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: error[{}]: {}", self.file.display(), self.code, self.message)?;
        } else {
            write!(
                f,
                "{}:{}:{}: error[{}]: {}",
                self.file.display(),
                self.line,
                self.column,
                self.code,
                self.message
            )?;
        }
        write!(f, "\n  = help: {}", self.help)
    }
}

/// Every problem found in the inventory file, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}
