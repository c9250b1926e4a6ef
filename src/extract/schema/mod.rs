//! Stage 1 aside: which columns each table has, learned from the schema the
//! code declares rather than from a live database. Two sources are read:
//!
//! - the Kysely `Database` interface (`kysely.rs`, query in `declarations.scm`),
//!   mapping each table name to a row type whose properties are the columns;
//! - SQL migrations (`migration.rs`, tokenized by `lex.rs`), replayed in order
//!   so that later files extend, rename and drop what earlier ones created.
//!
//! An empty column set means "declared, columns not known here" (a row type
//! imported from another file, `CREATE TABLE ... AS SELECT`), never "no columns".

mod kysely;
mod lex;
mod migration;

use super::queries::CompiledQuery;
use super::Dialect;
use std::collections::{BTreeMap, BTreeSet};

pub use kysely::read_kysely_schema;
pub use migration::read_sql_migration;

static DECLARATIONS: CompiledQuery = CompiledQuery::new("schema/declarations.scm", include_str!("declarations.scm"));

/// Compiles the query for `dialect`; used by the test that builds every query.
pub fn compile(dialect: Dialect) -> Result<(), String> {
    DECLARATIONS.get(dialect).map(|_| ())
}

/// Columns of each table, as declared by the schema sources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    /// Tables by name as written in the source (`public.users` stays qualified).
    pub tables: BTreeMap<String, TableSchema>,
}

/// One table's columns and where it is declared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableSchema {
    /// Column names as written, quotes stripped. Empty when the source names
    /// the table but its columns could not be read from it.
    pub columns: BTreeSet<String>,
    /// Where the table is declared: relative file path and 1-based line (first declaration).
    pub file: String,
    /// 1-based line of the first declaration in `file`.
    pub line: usize,
}

/// Why a schema source could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The file declares no interface or type alias with the configured name.
    #[error("no `interface {interface}` or `type {interface} = {{ ... }}` found in {file}; check the schema file and interface name")]
    InterfaceNotFound {
        /// The interface looked for, usually `Database`.
        interface: String,
        /// The file searched.
        file: String,
    },
    /// The declaration exists but is not an object type whose tables can be
    /// listed from this file (`type Database = Imported & Other`, say).
    #[error(
        "`{interface}` in {file} (line {line}) is not an object type this file spells out; its tables cannot be read"
    )]
    NotAnObjectType {
        /// The interface looked for.
        interface: String,
        /// The file searched.
        file: String,
        /// 1-based line of the declaration.
        line: usize,
    },
    /// The TypeScript grammar or the declarations query could not be loaded.
    #[error("cannot parse {file}: {message}")]
    Parse {
        /// The file being read.
        file: String,
        /// What went wrong.
        message: String,
    },
}
