//! The data model every stage shares: a data-access path, its verdict and the
//! evidence behind it. Extraction creates paths, scoping fills in verdicts, the
//! inventory merge adds classifications, and rendering only reads.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of data access a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PathKind {
    /// A Kysely query-builder chain (`db.selectFrom('logs')...`).
    Kysely,
    /// A raw `sql` tagged template that names tables.
    Sql,
    /// A call into the storage-engine client ("reservoir").
    Reservoir,
    /// A job enqueued on a BullMQ queue.
    QueueProducer,
    /// A BullMQ worker and the processor it registers.
    QueueConsumer,
    /// A cache read or write, judged by its key.
    Cache,
    /// A tenant id flowing from a route handler's request to a sink.
    Provenance,
}

impl PathKind {
    /// Every kind, in the order documents list them.
    pub const ALL: [PathKind; 7] = [
        PathKind::Kysely,
        PathKind::Sql,
        PathKind::Reservoir,
        PathKind::QueueProducer,
        PathKind::QueueConsumer,
        PathKind::Cache,
        PathKind::Provenance,
    ];

    /// The kebab-case name used in ids, JSON and the document.
    pub fn as_str(self) -> &'static str {
        match self {
            PathKind::Kysely => "kysely",
            PathKind::Sql => "sql",
            PathKind::Reservoir => "reservoir",
            PathKind::QueueProducer => "queue-producer",
            PathKind::QueueConsumer => "queue-consumer",
            PathKind::Cache => "cache",
            PathKind::Provenance => "provenance",
        }
    }
}

impl fmt::Display for PathKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the code itself proves about a path's tenant isolation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A tenant key of every tenant table the path touches is an unconditional constraint.
    Scoped,
    /// The tenant constraint exists but only on some executions (a branch, an OR).
    Conditional,
    /// At least one tenant table is touched with no tenant constraint.
    Unscoped,
    /// Every table the path touches is declared global in the taxonomy.
    NotTenant,
    /// The analysis cannot see what the path touches or how it is filtered.
    Unknown,
    /// Provenance: the tenant id comes only from the authenticated context.
    Bound,
    /// Provenance: a request-supplied tenant id passes a verifier on every path.
    Verified,
    /// Provenance: a request-supplied tenant id reaches a sink with no verifier.
    Unverified,
}

impl Verdict {
    /// Every verdict, in the order documents list them.
    pub const ALL: [Verdict; 8] = [
        Verdict::Scoped,
        Verdict::Bound,
        Verdict::Verified,
        Verdict::Conditional,
        Verdict::Unscoped,
        Verdict::Unverified,
        Verdict::NotTenant,
        Verdict::Unknown,
    ];

    /// The kebab-case name used in JSON and the document.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Scoped => "scoped",
            Verdict::Conditional => "conditional",
            Verdict::Unscoped => "unscoped",
            Verdict::NotTenant => "not-tenant",
            Verdict::Unknown => "unknown",
            Verdict::Bound => "bound",
            Verdict::Verified => "verified",
            Verdict::Unverified => "unverified",
        }
    }

    /// Whether a path with this verdict needs a hand-written classification.
    pub fn needs_classification(self) -> bool {
        !matches!(
            self,
            Verdict::Scoped | Verdict::NotTenant | Verdict::Bound | Verdict::Verified
        )
    }

    /// Whether the code itself proves the path safe (scoped, bound or verified).
    pub fn proven_safe(self) -> bool {
        matches!(self, Verdict::Scoped | Verdict::Bound | Verdict::Verified)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A table a path reads or writes, as written in the code.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TableUse {
    /// The table name, or `None` when the code computes it at run time.
    pub name: Option<String>,
    /// The alias the query gives it (`'logs as l'` → `l`); left out of JSON
    /// when there is none.
    #[serde(default)]
    pub alias: Option<String>,
    /// 1-based line of the table reference.
    pub line: usize,
}

impl Serialize for TableUse {
    /// As derived, except that JSON leaves out a missing alias. Only formats
    /// for people may leave a field out: a binary one (the result cache's)
    /// reads fields by position, not by name.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let omit_alias = self.alias.is_none() && serializer.is_human_readable();
        let mut table = serializer.serialize_struct("TableUse", if omit_alias { 2 } else { 3 })?;
        table.serialize_field("name", &self.name)?;
        if omit_alias {
            table.skip_field("alias")?;
        } else {
            table.serialize_field("alias", &self.alias)?;
        }
        table.serialize_field("line", &self.line)?;
        table.end()
    }
}

/// One data-access path found in the code, with the verdict the code supports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataPath {
    /// Stable id: file, symbol, kind, operation, target and ordinal; no line numbers.
    pub id: String,
    /// Kind of access.
    pub kind: PathKind,
    /// What the path does (`select`, `insert`, ...).
    pub operation: String,
    /// The table(s) the path names, comma-separated, or `?` when not determinable.
    pub target: String,
    /// Source file, relative to the inventory's folder, with `/` separators.
    pub file: String,
    /// 1-based line where the path starts.
    pub line: usize,
    /// Enclosing symbol: `Class.method`, a function name, or `<module>`.
    pub symbol: String,
    /// What the code proves.
    pub verdict: Verdict,
    /// The constraining expression, or why there is none.
    pub evidence: String,
    /// Every table the path touches (targets and joins), for the taxonomy check.
    #[serde(skip)]
    pub tables: Vec<TableUse>,
}

/// A region of a source file the parser could not make sense of. Paths inside it
/// may be missing, so every region is reported rather than skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotAnalysable {
    /// Source file, relative to the inventory's folder.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What went wrong, for a human.
    pub reason: String,
}

/// Everything one scan of the sources found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScanResult {
    /// All data-access paths, sorted by file then id.
    pub paths: Vec<DataPath>,
    /// Source regions that could not be analysed.
    pub not_analysable: Vec<NotAnalysable>,
    /// How many source files were scanned.
    #[serde(skip)]
    pub files_scanned: usize,
}
