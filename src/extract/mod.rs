//! Stage 1: find every data-access path in the TypeScript sources.
//!
//! Each path kind has its own module with its tree-sitter query beside it
//! (`kysely/builders.scm`, `sql/tagged_templates.scm`). Extractors produce
//! [`ir::Candidate`]s: what the code does, in a form scoping can judge without
//! a parser. This module walks the files, runs every extractor and gives each
//! path its stable id.

mod files;
pub mod ir;
mod kysely;
mod lower;
mod queries;
pub mod schema;
mod schema_files;
mod sql;
mod symbols;
mod syntax;

pub use files::{select, SourceFile, SourceSelection};
pub use schema_files::{read_schema, SchemaSources};
pub use sql::statement as parse_sql;
pub use syntax::Dialect;

use crate::model::NotAnalysable;
use ir::Candidate;
use std::collections::HashMap;
use std::path::PathBuf;

/// Why a scan could not be trusted.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// A configured source root does not exist.
    #[error("source root {path} does not exist; fix `sources.roots` in the inventory")]
    RootMissing {
        /// The missing folder.
        path: PathBuf,
    },
    /// Walking a root failed (permissions, a symlink loop, ...).
    #[error("cannot list files under {path}: {message}")]
    Walk {
        /// The root being walked.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A schema source could not be read as a schema.
    #[error("cannot read the schema in {path}: {message}")]
    Schema {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A selected file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// What extraction found in a set of files.
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    /// Every candidate path, in file order, each with its stable id.
    pub candidates: Vec<Candidate>,
    /// Regions the parser could not analyse.
    pub not_analysable: Vec<NotAnalysable>,
    /// How many files were read.
    pub files_scanned: usize,
}

/// Reads and extracts every selected file.
pub fn scan(selection: &SourceSelection) -> Result<Extraction, ExtractError> {
    let files = select(selection)?;
    let mut extraction = Extraction {
        files_scanned: files.len(),
        ..Extraction::default()
    };
    for file in &files {
        let source = std::fs::read(&file.path).map_err(|source| ExtractError::Read {
            path: file.path.clone(),
            source,
        })?;
        let (candidates, problems) = extract_source(&source, &file.relative, file.dialect);
        extraction.candidates.extend(candidates);
        extraction.not_analysable.extend(problems);
    }
    Ok(extraction)
}

/// Extracts every path from one file's contents, with ids assigned.
pub fn extract_source(source: &[u8], file: &str, dialect: Dialect) -> (Vec<Candidate>, Vec<NotAnalysable>) {
    let (tree, problems) = syntax::parse(source, dialect, file);
    let Some(tree) = tree else {
        return (Vec::new(), problems);
    };
    let mut candidates = kysely::extract(&tree, source, file, dialect);
    candidates.extend(sql::extract(&tree, source, file, dialect));
    assign_ids(&mut candidates);
    (candidates, problems)
}

/// Gives each candidate its id: `file::symbol::kind.operation::target#n`, where
/// `n` counts paths with the same file, symbol, kind, operation and target in
/// source order. No line numbers, so edits elsewhere never change an id.
fn assign_ids(candidates: &mut [Candidate]) {
    let mut ordinals: HashMap<String, usize> = HashMap::new();
    for candidate in candidates.iter_mut() {
        let stem = format!(
            "{}::{}::{}.{}::{}",
            candidate.file,
            candidate.symbol,
            candidate.kind,
            candidate.operation,
            target_of(candidate)
        );
        let ordinal = ordinals.entry(stem.clone()).or_insert(0);
        *ordinal += 1;
        candidate.id = format!("{stem}#{ordinal}");
    }
}

/// The target shown for a candidate: its table names joined by `,`, with `?`
/// for a name computed at run time.
pub fn target_of(candidate: &Candidate) -> String {
    candidate
        .targets
        .iter()
        .map(|t| t.name.clone().unwrap_or_else(|| "?".to_string()))
        .collect::<Vec<_>>()
        .join(",")
}

/// Compiles every tree-sitter query for every dialect, so that a broken `.scm`
/// file fails a test rather than a user's run.
pub fn compile_all_queries() -> Result<(), String> {
    for dialect in [Dialect::TypeScript, Dialect::Tsx] {
        kysely::compile(dialect)?;
        sql::compile(dialect)?;
        schema::compile(dialect)?;
    }
    Ok(())
}
