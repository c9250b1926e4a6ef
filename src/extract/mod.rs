//! Stage 1: find every data-access path in the TypeScript sources.
//!
//! Each path kind has its own module with its tree-sitter query beside it
//! (`kysely/builders.scm`, `sql/tagged_templates.scm`). Extractors produce
//! [`ir::Candidate`]s: what the code does, in a form scoping can judge without
//! a parser. This module walks the files, runs every extractor and gives each
//! path its stable id.

mod cache;
mod files;
pub mod ir;
mod kysely;
mod links;
mod lower;
mod queries;
mod queues;
mod reservoir;
mod routes;
mod rules;
pub mod schema;
mod schema_files;
mod sql;
mod summary;
mod symbols;
mod syntax;

pub use files::{select, SourceFile, SourceSelection};
pub use links::FileSummary;
pub use rules::{ExtractRules, Verifier};
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
    scan_with(selection, &ExtractRules::default())
}

/// Reads and extracts every selected file with `rules`, then links the files
/// (a queue created in one and used in another) and assigns ids.
pub fn scan_with(selection: &SourceSelection, rules: &ExtractRules) -> Result<Extraction, ExtractError> {
    let files = select(selection)?;
    let mut extraction = Extraction {
        files_scanned: files.len(),
        ..Extraction::default()
    };
    let mut extracted = Vec::with_capacity(files.len());
    for file in &files {
        let source = std::fs::read(&file.path).map_err(|source| ExtractError::Read {
            path: file.path.clone(),
            source,
        })?;
        let file_extraction = extract_file(&source, &file.relative, file.dialect, rules);
        extraction
            .not_analysable
            .extend(file_extraction.not_analysable.iter().cloned());
        extracted.push(file_extraction);
    }
    extraction.candidates = finish(extracted);
    Ok(extraction)
}

/// Extracts every path from one file's contents, with the default rules,
/// linked within the file and with ids assigned.
pub fn extract_source(source: &[u8], file: &str, dialect: Dialect) -> (Vec<Candidate>, Vec<NotAnalysable>) {
    let extracted = extract_file(source, file, dialect, &ExtractRules::default());
    let problems = extracted.not_analysable.clone();
    (finish(vec![extracted]), problems)
}

/// What one file yields before files are linked.
#[derive(Debug, Clone, Default)]
pub struct FileExtraction {
    /// Candidates, without ids yet.
    pub candidates: Vec<Candidate>,
    /// Regions not analysed.
    pub not_analysable: Vec<NotAnalysable>,
    /// What the file offers other files.
    pub summary: FileSummary,
}

/// Runs every extractor on one file.
pub fn extract_file(source: &[u8], file: &str, dialect: Dialect, rules: &ExtractRules) -> FileExtraction {
    let (tree, problems) = syntax::parse(source, dialect, file);
    let Some(tree) = tree else {
        return FileExtraction {
            not_analysable: problems,
            summary: FileSummary {
                file: file.to_string(),
                ..FileSummary::default()
            },
            ..FileExtraction::default()
        };
    };
    let mut summary = summary::summarise(tree.root_node(), source, file);
    let matches = match PATH_QUERIES.run(&tree, source, dialect) {
        Ok(matches) => matches,
        Err(message) => {
            let mut not_analysable = problems;
            not_analysable.push(NotAnalysable {
                file: file.to_string(),
                line: 1,
                column: 1,
                reason: format!("the extractor queries could not be compiled: {message}"),
            });
            return FileExtraction {
                not_analysable,
                summary,
                ..FileExtraction::default()
            };
        }
    };
    let mut candidates = kysely::extract(&tree, &matches, source, file);
    candidates.extend(sql::extract(&matches, source, file));
    candidates.extend(reservoir::extract(&matches, source, file, rules));
    candidates.extend(queues::extract(&matches, source, file, rules, &mut summary));
    candidates.extend(cache::extract(&matches, source, file, rules));
    candidates.extend(routes::extract(&matches, source, file, rules));
    FileExtraction {
        candidates,
        not_analysable: problems,
        summary,
    }
}

/// Every path extractor's query, run in one pass per file.
static PATH_QUERIES: queries::QuerySet = queries::QuerySet::new(&[
    &kysely::BUILDERS,
    &sql::TAGGED_TEMPLATES,
    &sql::RAW_CALLS,
    &reservoir::CALLS,
    &queues::CREATIONS,
    &queues::JOBS,
    &cache::CALLS,
    &routes::REGISTRATIONS,
]);

/// Links references across `files` and assigns ids; candidates come out in
/// file order.
pub fn finish(files: Vec<FileExtraction>) -> Vec<Candidate> {
    let summaries = files
        .iter()
        .map(|f| (f.summary.file.clone(), f.summary.clone()))
        .collect();
    let mut all = Vec::new();
    for file in files {
        let mut candidates = file.candidates;
        links::link(&mut candidates, &summaries);
        assign_ids(&mut candidates);
        all.extend(candidates);
    }
    links::link_sinks(&mut all, &summaries);
    all
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
        reservoir::compile(dialect)?;
        queues::compile(dialect)?;
        cache::compile(dialect)?;
        routes::compile(dialect)?;
        PATH_QUERIES.compile(dialect)?;
        schema::compile(dialect)?;
    }
    Ok(())
}
