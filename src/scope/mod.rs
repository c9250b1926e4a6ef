//! Stage 2: decide, from the code alone, whether each path is scoped to its
//! tenant. Every rule reads the extractors' IR and the [`Taxonomy`]; the
//! shared judgement lives in [`relation`].

mod kysely;
mod payloads;
mod provenance;
mod relation;
mod sql;
mod taxonomy;

pub use taxonomy::{BeyondSqlRules, TableClass, Taxonomy};

use crate::extract::ir::{Access, Candidate, Helper, Query};
use crate::extract::{target_of, Extraction};
use crate::model::{DataPath, ScanResult, TableUse, Verdict};

/// How `table` is scoped; tables missing from the taxonomy are judged as if
/// scoped by the tenancy keys (the gate reports them separately).
fn class_of(table: &str, taxonomy: &Taxonomy) -> TableClass {
    taxonomy.class(table).cloned().unwrap_or_else(|| TableClass::Tenant {
        keys: taxonomy.tenancy_keys.clone(),
    })
}

/// What every rule reads besides the code: the taxonomy, and the same-file
/// helpers of the query being judged (subqueries see their outer query's).
#[derive(Clone, Copy)]
struct Context<'a> {
    taxonomy: &'a Taxonomy,
    helpers: &'a [Helper],
}

impl<'a> Context<'a> {
    /// `helpers` when there are any, else the ones already in context.
    fn with_helpers(self, helpers: &'a [Helper]) -> Self {
        if helpers.is_empty() {
            self
        } else {
            Context { helpers, ..self }
        }
    }
}

/// Verdict and evidence for a Kysely query (also used for subqueries).
fn judge_query(query: &Query, cx: Context) -> (Verdict, String) {
    let relation = kysely::relation(query, cx);
    relation::judge(&relation, query.operation.inserts())
}

/// Decides the verdict of one candidate.
pub fn decide(candidate: &Candidate, taxonomy: &Taxonomy) -> DataPath {
    DataPath {
        id: candidate.id.clone(),
        operation: candidate.operation.clone(),
        file: candidate.file.clone(),
        symbol: candidate.symbol.clone(),
        ..judged(candidate, taxonomy)
    }
}

/// [`decide`], moving the candidate's text into the path instead of copying it.
fn decide_owned(candidate: Candidate, taxonomy: &Taxonomy) -> DataPath {
    let judged = judged(&candidate, taxonomy);
    DataPath {
        id: candidate.id,
        operation: candidate.operation,
        file: candidate.file,
        symbol: candidate.symbol,
        ..judged
    }
}

/// The path `candidate` is, with its verdict and evidence, but without its
/// id, operation, file and symbol (left empty), which the verdict never reads.
fn judged(candidate: &Candidate, taxonomy: &Taxonomy) -> DataPath {
    let target = target_of(candidate);
    let mut tables = Vec::new();
    let (verdict, evidence) = match &candidate.access {
        Access::Kysely(query) => {
            let cx = Context { taxonomy, helpers: &[] };
            let relation = kysely::relation(query, cx);
            tables = touched_tables(candidate, &relation);
            relation::judge(&relation, query.operation.inserts())
        }
        Access::Sql(statement) => {
            let relation = sql::relation(statement, taxonomy);
            tables = touched_tables(candidate, &relation);
            relation::judge(&relation, statement.operation == "insert")
        }
        Access::Reservoir(call) => payloads::reservoir(call, taxonomy),
        Access::QueueProducer(producer) => payloads::producer(producer, taxonomy),
        Access::QueueConsumer(consumer) => payloads::consumer(consumer, taxonomy),
        Access::Cache(op) => payloads::cache(op, &target, taxonomy),
        Access::Provenance(flow) => provenance::judge(flow),
    };
    DataPath {
        id: String::new(),
        kind: candidate.kind,
        operation: String::new(),
        target,
        file: String::new(),
        line: candidate.line,
        symbol: String::new(),
        verdict,
        evidence,
        tables,
    }
}

/// The tables a SQL path touches: its targets, then what it joins.
fn touched_tables(candidate: &Candidate, relation: &relation::Relation) -> Vec<TableUse> {
    let mut tables = candidate.targets.clone();
    for table in relation.tables.iter().skip(candidate.targets.len()) {
        tables.push(TableUse {
            name: table.name.clone(),
            alias: None,
            line: candidate.line,
        });
    }
    tables
}

/// [`decide`] for a scan to call as soon as a file is extracted (see
/// [`crate::extract::scan_cached`]), moving the candidate's text into the path.
pub fn decider(taxonomy: &Taxonomy) -> impl Fn(Candidate) -> DataPath + Sync + '_ {
    move |candidate| decide_owned(candidate, taxonomy)
}

/// Decides every candidate of an extraction, beside the paths the scan
/// already decided.
pub fn decide_all(extraction: Extraction, taxonomy: &Taxonomy) -> ScanResult {
    use rayon::prelude::*;
    // On every core; each candidate is dropped once decided. The order is
    // the sort's, whatever the threads did.
    let mut paths = extraction.decided;
    paths.par_extend(
        extraction
            .candidates
            .into_par_iter()
            .map(|candidate| decide_owned(candidate, taxonomy)),
    );
    paths.par_sort_by(|a, b| (&a.file, &a.id).cmp(&(&b.file, &b.id)));
    ScanResult {
        paths,
        not_analysable: extraction.not_analysable,
        files_scanned: extraction.files_scanned,
    }
}
