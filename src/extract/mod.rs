//! Stage 1: find every data-access path in the TypeScript sources.
//!
//! A literal prefilter (`prefilter.rs`) finds the names that can start a
//! path; the tree-sitter query `path_starts.scm` then finds the nodes around
//! them, and each path kind's module (`kysely/`, `sql/`, `reservoir/`,
//! `queues/`, `cache/`, `routes/`) checks the shapes it accepts and produces
//! [`ir::Candidate`]s: what the code does, in a form scoping can judge without
//! a parser. This module walks the files, runs every extractor and gives each
//! path its stable id.

mod cache;
mod files;
pub mod ir;
mod kysely;
mod links;
mod lower;
mod prefilter;
mod queries;
mod queues;
mod reservoir;
mod result_cache;
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
/// The literal search that decides which files a scan parses at all; public
/// for the benchmark, whose bare-parse floor parses the same files.
pub use prefilter::Prefilter;
pub use rules::{ExtractRules, Verifier};
pub use schema_files::{read_schema, SchemaSources};
pub use sql::statement as parse_sql;
pub use syntax::Dialect;

use crate::model::{DataPath, NotAnalysable};
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
    /// Selected source files could not be read; all of them are listed, as a
    /// scan that skipped them would hide their paths.
    #[error("{}", unreadable_message(.failures))]
    Unreadable {
        /// Each file and why.
        failures: Vec<ReadFailure>,
    },
    /// The roots hold no file to scan: a check over nothing would pass for the
    /// wrong reason.
    #[error(
        "no TypeScript file to audit under `sources.roots` ({}); check the roots, `sources.include` and \
         `sources.exclude` in the inventory",
        roots.join(", ")
    )]
    NoSources {
        /// The roots as configured.
        roots: Vec<String>,
    },
}

/// A source file that could not be read.
#[derive(Debug)]
pub struct ReadFailure {
    /// The file, relative to the inventory's folder.
    pub file: String,
    /// The I/O error.
    pub error: std::io::Error,
}

fn unreadable_message(failures: &[ReadFailure]) -> String {
    let mut message = format!(
        "cannot read {} source file(s), so the scan cannot be trusted:",
        failures.len()
    );
    for failure in failures {
        let why = match failure.error.kind() {
            std::io::ErrorKind::NotFound => "deleted or moved during the scan".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => failure.error.to_string(),
        };
        message.push_str(&format!("\n  {}: {why}", failure.file));
    }
    message.push_str("\n  = help: make them readable (or leave them out with `sources.exclude`) and run again");
    message
}

/// What extraction found in a set of files.
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    /// Every candidate path still to decide, in file order, each with its
    /// stable id: all of them, unless the scan was given a [`Decide`].
    pub candidates: Vec<Candidate>,
    /// The paths the scan decided with its [`Decide`] as soon as their file
    /// was extracted, in file order: those of the kinds no link across files
    /// changes.
    pub decided: Vec<DataPath>,
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
///
/// A file that cannot be read fails the scan (after trying every file, so
/// that all of them are named); a file that can be read but not fully
/// analysed (syntax errors, too large, too slow, nested too deeply, not
/// UTF-8) and a symbolic link not followed are reported in `not_analysable`.
pub fn scan_with(selection: &SourceSelection, rules: &ExtractRules) -> Result<Extraction, ExtractError> {
    scan_cached(selection, rules, None, &|_| {}, None)
}

/// Decides one candidate path, with its id: what the scan is given to decide
/// paths as soon as their file is extracted (see [`scan_cached`]).
pub type Decide<'d> = dyn Fn(Candidate) -> DataPath + Sync + 'd;

/// What reading one file came to.
enum Outcome {
    Extracted(Box<Scanned>),
    /// Nothing in it can start a path (see `prefilter.rs`).
    Skipped,
    TooLarge(NotAnalysable),
    Failed(ReadFailure),
}

/// [`scan_with`], reusing and refreshing per-file results in `cache_dir`,
/// and telling `listed` how many files it will read once it has listed them.
/// Files are read and extracted in parallel; the result is the same, byte for
/// byte, whatever the number of threads.
///
/// With `decide`, the paths that no link across files changes are decided
/// as soon as their file is extracted, and their candidates freed there and
/// then: a candidate takes about four times the memory of the path it
/// becomes, and the scan of a large repository would otherwise hold every
/// candidate until the last file is extracted.
pub fn scan_cached(
    selection: &SourceSelection,
    rules: &ExtractRules,
    cache_dir: Option<&std::path::Path>,
    listed: &dyn Fn(usize),
    decide: Option<&Decide>,
) -> Result<Extraction, ExtractError> {
    use rayon::prelude::*;
    // The last run's results are read while the sources are listed.
    let (listed_files, cache) = rayon::join(
        || files::select_reporting(selection),
        || {
            let cache = cache_dir.map(|dir| result_cache::ResultCache::open(dir, rules));
            // Compiling the path query takes a few milliseconds, and every
            // thread needs it after its first parse; compiled while the
            // sources are listed, no thread waits for it. Not when the last
            // run kept results: a re-run finds its files there and may parse
            // none.
            if !cache.as_ref().is_some_and(result_cache::ResultCache::is_filled) {
                let _ = PATH_STARTS.get(Dialect::TypeScript);
            }
            cache
        },
    );
    let (files, not_followed) = listed_files?;
    listed(files.len());
    let cache_ref = cache.as_ref();
    if files.is_empty() && not_followed.is_empty() {
        return Err(ExtractError::NoSources {
            roots: selection.roots.iter().map(|r| r.display().to_string()).collect(),
        });
    }
    let prefilter = prefilter::Prefilter::new(rules);
    let known: std::collections::BTreeSet<&str> = files.iter().map(|f| f.relative.as_str()).collect();
    // The files a file's paths refer to are found on its worker, right after
    // extracting it: gone over afterwards, on one thread, the hundred thousand
    // candidates of a large repository took 50-140 ms.
    let (mut outcomes, wanted): (Vec<Outcome>, Vec<Vec<String>>) = files
        .par_iter()
        .map(|file| {
            let outcome = read_and_extract(file, rules, &prefilter, Skip::Unmatched, cache_ref, decide);
            let wanted = match &outcome {
                Outcome::Extracted(scanned) => files_referred_to(&scanned.extraction, &known),
                _ => Vec::new(),
            };
            (outcome, wanted)
        })
        .unzip();

    // A skipped file that another file's path refers to is read after all.
    let wanted: std::collections::BTreeSet<String> = wanted.into_iter().flatten().collect();
    let late: Vec<(usize, Outcome)> = files
        .par_iter()
        .enumerate()
        .filter(|(i, file)| matches!(outcomes[*i], Outcome::Skipped) && wanted.contains(&file.relative))
        .map(|(i, file)| {
            (
                i,
                read_and_extract(file, rules, &prefilter, Skip::Nothing, cache_ref, decide),
            )
        })
        .collect();
    for (i, outcome) in late {
        outcomes[i] = outcome;
    }
    if let Some(cache) = cache {
        cache.save();
    }

    let mut extraction = Extraction {
        files_scanned: files.len(),
        not_analysable: not_followed,
        ..Extraction::default()
    };
    let mut extracted = Vec::with_capacity(files.len());
    let mut failures = Vec::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Extracted(scanned) => {
                extraction
                    .not_analysable
                    .extend(scanned.extraction.not_analysable.iter().cloned());
                extracted.push(*scanned);
            }
            Outcome::Skipped => {}
            Outcome::TooLarge(problem) => extraction.not_analysable.push(problem),
            Outcome::Failed(failure) => failures.push(failure),
        }
    }
    if !failures.is_empty() {
        return Err(ExtractError::Unreadable { failures });
    }
    (extraction.candidates, extraction.decided) = finish_scanned(extracted);
    Ok(extraction)
}

/// The scanned files (among `known`) that `extracted`'s paths refer to
/// through its imports. Only queue, cache and route-handler paths refer to
/// other files, and the scan never decides those early.
fn files_referred_to(extracted: &FileExtraction, known: &std::collections::BTreeSet<&str>) -> Vec<String> {
    links::wanted_imports(&extracted.candidates, &extracted.summary)
        .iter()
        .filter_map(|specifier| links::resolve_specifier(&extracted.summary.file, specifier, &|f| known.contains(f)))
        .collect()
}

/// Which files [`read_and_extract`] leaves unparsed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Skip {
    /// Those in which the prefilter finds no name that can start a path.
    Unmatched,
    /// None (a file another file's path refers to).
    Nothing,
}

/// Reads one file and extracts it, unless `skip` and the prefilter show it
/// holds no path; a cached result for the same bytes is reused. With
/// `decide`, the paths no link changes are decided (see [`scan_cached`]).
fn read_and_extract(
    file: &SourceFile,
    rules: &ExtractRules,
    prefilter: &prefilter::Prefilter,
    skip: Skip,
    cache: Option<&result_cache::ResultCache>,
    decide: Option<&Decide>,
) -> Outcome {
    let settle = |extraction: FileExtraction| {
        Box::new(match decide {
            Some(decide) => Scanned::deciding(extraction, decide),
            None => Scanned::undecided(extraction),
        })
    };
    let source = match files::read_source(&file.path) {
        Ok(Some(source)) => source,
        Ok(None) => {
            // Too large to read, let alone analyse: report it unread.
            let size = std::fs::metadata(&file.path).map_or(0, |m| m.len());
            return Outcome::TooLarge(syntax::too_large(&file.relative, size));
        }
        Err(error) => {
            return Outcome::Failed(ReadFailure {
                file: file.relative.clone(),
                error,
            })
        }
    };
    if skip == Skip::Unmatched && !prefilter.may_hold_paths(&source) {
        return Outcome::Skipped;
    }
    let entry = cache.map(|c| c.entry(&file.relative, file.dialect, &source));
    if let Some(cached) = entry.as_ref().and_then(result_cache::CacheEntry::get) {
        return Outcome::Extracted(settle(cached));
    }
    let extracted = extract_guarded(&source, &file.relative, file.dialect, rules, prefilter);
    if let Some(entry) = entry {
        // A result cut short by the time budget depends on the machine's load, not the file.
        if !extracted
            .not_analysable
            .iter()
            .any(|p| p.reason.starts_with("too slow"))
        {
            entry.put(&extracted);
        }
    }
    Outcome::Extracted(settle(extracted))
}

/// One file's extraction as the scan holds it until every file is extracted.
struct Scanned {
    /// The file's extraction, with the candidates still to link and decide.
    extraction: FileExtraction,
    /// The paths decided as soon as the file was extracted, with their ids.
    decided: Vec<DataPath>,
    /// What the decided paths tell route handlers' flows that call into
    /// their functions (see [`links::link_sinks`]).
    sinks: Vec<links::SinkPath>,
}

impl Scanned {
    /// `extraction` with every candidate still to decide.
    fn undecided(extraction: FileExtraction) -> Self {
        Scanned {
            extraction,
            decided: Vec::new(),
            sinks: Vec::new(),
        }
    }

    /// `extraction` with the paths of the kinds no link changes decided by
    /// `decide`. Their ids are given here; they come first in the file's
    /// candidates (see `run_extractors`), so the others, given theirs once
    /// linked, count on from them (a file, symbol or target holding `::` can
    /// make two kinds' stems the same text). Each extractor gives its paths
    /// a kind and an access that match, and linking reads the access.
    fn deciding(mut extraction: FileExtraction, decide: &Decide) -> Self {
        let (mut done, pending): (Vec<Candidate>, Vec<Candidate>) = std::mem::take(&mut extraction.candidates)
            .into_iter()
            .partition(|candidate| !links::may_change(candidate.kind));
        assign_ids(&mut done, &HashMap::new());
        let sinks = done.iter().map(links::SinkPath::of).collect();
        extraction.candidates = pending;
        Scanned {
            extraction,
            decided: done.into_iter().map(decide).collect(),
            sinks,
        }
    }
}

/// Extracts every path from one file's contents, with the default rules,
/// linked within the file and with ids assigned.
pub fn extract_source(source: &[u8], file: &str, dialect: Dialect) -> (Vec<Candidate>, Vec<NotAnalysable>) {
    let rules = ExtractRules::default();
    let extracted = extract_guarded(source, file, dialect, &rules, &prefilter::Prefilter::new(&rules));
    let problems = extracted.not_analysable.clone();
    (finish(vec![extracted]), problems)
}

/// [`extract_file`] for bytes nobody has reviewed: prepared by
/// [`syntax::prepare`] (decoded as UTF-8, with what cannot be analysed blanked
/// out), within [`syntax::TIME_BUDGET`], with everything that could not be
/// analysed reported in line order.
fn extract_guarded(
    source: &[u8],
    file: &str,
    dialect: Dialect,
    rules: &ExtractRules,
    prefilter: &prefilter::Prefilter,
) -> FileExtraction {
    let budget = syntax::Budget::start(syntax::TIME_BUDGET);
    let text = syntax::prepare(source, dialect, file);
    let mut extracted = extract_with(&text, file, dialect, rules, prefilter);
    extracted.not_analysable.extend(budget.overrun(file));
    extracted.not_analysable.sort_by_key(|p| (p.line, p.column));
    extracted
}

/// What one file yields before files are linked.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
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
    extract_with(source, file, dialect, rules, &prefilter::Prefilter::new(rules))
}

/// [`extract_file`] with the prefilter for `rules` already built.
fn extract_with(
    source: &[u8],
    file: &str,
    dialect: Dialect,
    rules: &ExtractRules,
    prefilter: &prefilter::Prefilter,
) -> FileExtraction {
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
    let matches = match PATH_STARTS.run_at(&tree, source, dialect, &prefilter.hits(source)) {
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
    FileExtraction {
        candidates: run_extractors(&tree, &matches, source, file, rules, &mut summary),
        not_analysable: problems,
        summary,
    }
}

/// Every path kind's candidates among `matches`, in kind order.
fn run_extractors(
    tree: &tree_sitter::Tree,
    matches: &queries::FileMatches,
    source: &[u8],
    file: &str,
    rules: &ExtractRules,
    summary: &mut FileSummary,
) -> Vec<Candidate> {
    let mut candidates = kysely::extract(tree, matches, source, file);
    candidates.extend(sql::extract(tree, matches, source, file));
    candidates.extend(reservoir::extract(tree, matches, source, file, rules));
    candidates.extend(queues::extract(tree, matches, source, file, rules, summary));
    candidates.extend(cache::extract(tree, matches, source, file, rules));
    candidates.extend(routes::extract(tree, matches, source, file, rules));
    candidates
}

/// Where every data-access path starts: the nodes each extractor checks.
static PATH_STARTS: queries::CompiledQuery =
    queries::CompiledQuery::new("path_starts.scm", include_str!("path_starts.scm"));

/// Links references across `files` and assigns ids; candidates come out in
/// file order.
pub fn finish(files: Vec<FileExtraction>) -> Vec<Candidate> {
    finish_scanned(files.into_iter().map(Scanned::undecided).collect()).0
}

/// [`finish`] for files the scan holds: the candidates still to decide,
/// linked and with ids, and the paths already decided, both in file order.
fn finish_scanned(files: Vec<Scanned>) -> (Vec<Candidate>, Vec<DataPath>) {
    use rayon::prelude::*;
    let mut by_file = Vec::with_capacity(files.len());
    let mut decided_by_file = Vec::with_capacity(files.len());
    let mut sinks = Vec::with_capacity(files.len());
    let mut summaries = std::collections::BTreeMap::new();
    for scanned in files {
        by_file.push(scanned.extraction.candidates);
        decided_by_file.push(scanned.decided);
        sinks.push((scanned.extraction.summary.file.clone(), scanned.sinks));
        summaries.insert(scanned.extraction.summary.file.clone(), scanned.extraction.summary);
    }
    // Linking reads the other files' summaries only, and ids count within a
    // file, so each file's candidates are done apart, on every core.
    let mut by_file: Vec<Vec<Candidate>> = by_file
        .into_par_iter()
        .zip(decided_by_file.par_iter())
        .map(|(mut candidates, decided)| {
            links::link(&mut candidates, &summaries);
            if !candidates.is_empty() {
                assign_ids(&mut candidates, &stems_counted(decided));
            }
            candidates
        })
        .collect();
    links::link_sinks(&mut by_file, &sinks, &summaries);
    // Freed on a worker while the caller goes on: the summaries of a large
    // repository take some 10 ms to free.
    rayon::spawn(move || drop((summaries, sinks)));
    (flatten(by_file), flatten(decided_by_file))
}

/// How many of `decided` have each id stem: the highest ordinal given to it.
fn stems_counted(decided: &[DataPath]) -> HashMap<&str, usize> {
    let mut counted: HashMap<&str, usize> = HashMap::new();
    for path in decided {
        if let Some((stem, ordinal)) = path.id.rsplit_once('#') {
            let highest = counted.entry(stem).or_insert(0);
            *highest = (*highest).max(ordinal.parse().unwrap_or(0));
        }
    }
    counted
}

/// `lists` one after the other. Sized once: a flattening collect cannot know
/// the total, and growing a list of a hundred thousand items by doubling
/// copies it again and again into fresh memory.
fn flatten<T>(lists: Vec<Vec<T>>) -> Vec<T> {
    let mut all = Vec::with_capacity(lists.iter().map(Vec::len).sum());
    for list in lists {
        all.extend(list);
    }
    all
}

/// Gives each candidate its id: `file::symbol::kind.operation::target#n`, where
/// `n` counts paths with the same file, symbol, kind, operation and target in
/// source order. No line numbers, so edits elsewhere never change an id.
/// `counted` holds how many paths of the file were already given ids, by stem.
fn assign_ids(candidates: &mut [Candidate], counted: &HashMap<&str, usize>) {
    use std::fmt::Write as _;
    let stems: Vec<String> = candidates.iter().map(id_stem).collect();
    let ordinals: Vec<usize> = {
        let mut counts: HashMap<&str, usize> = HashMap::with_capacity(stems.len());
        stems
            .iter()
            .map(|stem| {
                let count = counts
                    .entry(stem.as_str())
                    .or_insert_with(|| counted.get(stem.as_str()).copied().unwrap_or(0));
                *count += 1;
                *count
            })
            .collect()
    };
    for ((candidate, mut id), ordinal) in candidates.iter_mut().zip(stems).zip(ordinals) {
        let _ = write!(id, "#{ordinal}");
        candidate.id = id;
    }
}

/// The target shown for a candidate: its table names joined by `,`, with `?`
/// for a name computed at run time.
pub fn target_of(candidate: &Candidate) -> String {
    let mut target = String::new();
    push_target(&mut target, candidate);
    target
}

/// Appends [`target_of`] to `text`: written in place, as it is asked for
/// twice for each of a large repository's hundred thousand paths.
fn push_target(text: &mut String, candidate: &Candidate) {
    for (at, table) in candidate.targets.iter().enumerate() {
        if at > 0 {
            text.push(',');
        }
        text.push_str(table.name.as_deref().unwrap_or("?"));
    }
}

/// A candidate's id without its ordinal: `file::symbol::kind.operation::target`,
/// with room for the ordinal [`assign_ids`] appends.
fn id_stem(candidate: &Candidate) -> String {
    let parts = [
        candidate.file.as_str(),
        "::",
        &candidate.symbol,
        "::",
        candidate.kind.as_str(),
        ".",
        &candidate.operation,
        "::",
    ];
    let target: usize = candidate
        .targets
        .iter()
        .map(|t| t.name.as_ref().map_or(1, String::len) + 1)
        .sum();
    // The `#` and ordinal fit in the room left.
    let mut stem = String::with_capacity(parts.iter().map(|p| p.len()).sum::<usize>() + target + 8);
    for part in parts {
        stem.push_str(part);
    }
    push_target(&mut stem, candidate);
    stem
}

/// Compiles every tree-sitter query for every dialect, so that a broken `.scm`
/// file fails a test rather than a user's run.
pub fn compile_all_queries() -> Result<(), String> {
    for dialect in [Dialect::TypeScript, Dialect::Tsx] {
        PATH_STARTS.get(dialect)?;
        schema::compile(dialect)?;
    }
    Ok(())
}

/// Every TypeScript file of the bundled example and the test fixtures, with
/// its path relative to the repository, dialect and bytes: what the unit
/// tests that hold the scan to a reference run over.
#[cfg(test)]
pub(crate) fn example_and_fixture_files() -> Vec<(String, Dialect, Vec<u8>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stack = vec![root.join("examples"), root.join("tests/fixtures")];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Some(dialect) = Dialect::of(&path) {
                let relative = path.strip_prefix(root).unwrap().display().to_string();
                found.push((relative, dialect, std::fs::read(&path).unwrap()));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the extractors find when the path query runs over the whole
    /// tree, every node offered to every extractor: the reference the
    /// prefilter's hits must reproduce.
    fn extract_everywhere(source: &[u8], dialect: Dialect, rules: &ExtractRules) -> (String, FileSummary) {
        let (tree, _) = syntax::parse(source, dialect, "src/x.ts");
        let tree = tree.expect("a tree");
        let mut summary = summary::summarise(tree.root_node(), source, "src/x.ts");
        let everything = prefilter::Hit {
            range: 0..source.len(),
            roles: prefilter::Roles::all(),
        };
        let matches = PATH_STARTS.run_at(&tree, source, dialect, &[everything]).unwrap();
        let candidates = run_extractors(&tree, &matches, source, "src/x.ts", rules, &mut summary);
        (serde_json::to_string_pretty(&candidates).unwrap(), summary)
    }

    /// Asserts that the scan finds what [`extract_everywhere`] finds; returns how many paths.
    fn assert_hits_find_everything(source: &[u8], dialect: Dialect, rules: &ExtractRules, name: &str) -> usize {
        let extracted = extract_file(source, "src/x.ts", dialect, rules);
        let found = serde_json::to_string_pretty(&extracted.candidates).unwrap();
        let (everywhere, summary) = extract_everywhere(source, dialect, rules);
        assert_eq!(found, everywhere, "{name}: the hits missed or added a path");
        assert_eq!(
            serde_json::to_string(&extracted.summary).unwrap(),
            serde_json::to_string(&summary).unwrap(),
            "{name}: the summaries differ"
        );
        extracted.candidates.len()
    }

    #[test]
    fn querying_around_the_prefilter_hits_finds_what_querying_everywhere_finds() {
        let (mut files, mut paths) = (0, 0);
        for (name, dialect, source) in example_and_fixture_files() {
            paths += assert_hits_find_everything(&source, dialect, &ExtractRules::default(), &name);
            files += 1;
        }
        assert!(
            files > 30 && paths > 100,
            "the example and the fixtures hold paths: {files} files, {paths} paths"
        );
    }

    #[test]
    fn names_in_unusual_places_are_still_found() {
        let rules = ExtractRules {
            queue_factories: vec!["makeQueue".into()],
            worker_factories: vec!["makeWorker".into()],
            cache_clients: vec!["cache".into(), "planCache".into()],
            ..ExtractRules::default()
        };
        let snippets = [
            "const rows = await db\n  .selectFrom('logs').selectAll().execute();",
            "await cache /* hot path */ .get(`org:${orgId}`);",
            "await this.cache\n  // per organization\n  .set(`org:${orgId}`, v);",
            "await queue. // enqueue\n  add('send', { organizationId });",
            "await emailQueue.add<EmailJob>('send', { organizationId });",
            "await emailQueue.addBulk([{ name: 'a', data: { organizationId } }]);",
            "const q = makeQueue('emails'); const w = makeWorker('emails', handle);",
            "const row = await sql<Row>`SELECT * FROM logs WHERE organization_id = ${org}`.execute(db);",
            "await sql.raw<Row>('DELETE FROM logs').execute(db);",
            "return 1reservoir.query({ projectId });",
            "app.get('/projects/:id', async (request) => db.selectFrom('projects').where('id', '=', request.params.id).execute());",
            "await planCache?.del(`plan:${id}`);",
        ];
        for snippet in snippets {
            for dialect in [Dialect::TypeScript, Dialect::Tsx] {
                let paths = assert_hits_find_everything(snippet.as_bytes(), dialect, &rules, snippet);
                assert!(paths > 0, "{snippet}: no path found");
            }
        }
    }
}
