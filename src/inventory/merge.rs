//! Merges what the code shows with what the team wrote down, and finds what
//! the gate fails on: unclassified paths, stale entries, unknown tables.

use super::raw::Classification;
use super::{Inventory, PathEntry};
use crate::model::{DataPath, NotAnalysable, ScanResult, Verdict};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Where a path stands after the merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The code proves it scoped.
    Verified,
    /// Every table it touches is global by taxonomy.
    GlobalByTaxonomy,
    /// A reviewer classified it.
    Classified(Classification),
    /// Needs a classification; the gate fails.
    Unclassified,
}

impl Status {
    /// How the document and reports name the status.
    pub fn label(self) -> &'static str {
        match self {
            Status::Verified => "proven by the code",
            Status::GlobalByTaxonomy => "global (taxonomy)",
            Status::Classified(Classification::Scoped) => "scoped (reviewed)",
            Status::Classified(Classification::Global) => "global (reviewed)",
            Status::Classified(Classification::Unclear) => "unclear",
            Status::Unclassified => "UNCLASSIFIED",
        }
    }
}

/// A path with its merge result.
#[derive(Debug, Clone)]
pub struct AuditedPath {
    /// The path and its verdict.
    pub path: DataPath,
    /// Where it stands.
    pub status: Status,
    /// The classification entry, when there is one. Boxed: most paths have
    /// none, and inline it would make every path 336 bytes instead of 200.
    pub entry: Option<Box<PathEntry>>,
}

/// What a finding is about; each has a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingCode {
    /// A path that needs a classification has none.
    Unclassified,
    /// A classification whose path is gone or no longer needs one.
    StaleEntry,
    /// A table the code uses is missing from the taxonomy.
    UnknownTable,
    /// The committed document differs from a fresh render.
    Drift,
    /// A source region could not be analysed.
    NotAnalysable,
    /// A table of the schema is missing from the taxonomy.
    UnlistedTable,
    /// A global or child table has a tenancy-key column.
    TenantKeyOutsideTenantTable,
    /// A scope or `via` column the schema does not declare.
    ScopeColumnMissing,
    /// A classification past its `expires` date.
    ExpiredEntry,
    /// A classification not reviewed within the allowed age.
    ReviewOverdue,
    /// A classification whose `reviewed` date has not come yet.
    ReviewDateInFuture,
    /// An isolation-test area with no test that runs.
    MissingCoverage,
    /// A `protects` glob of a coverage area that matches no path.
    UnmatchedGlob,
}

impl FindingCode {
    /// Every code, in the order reports list them.
    pub const ALL: [FindingCode; 13] = [
        FindingCode::Unclassified,
        FindingCode::StaleEntry,
        FindingCode::UnknownTable,
        FindingCode::Drift,
        FindingCode::NotAnalysable,
        FindingCode::UnlistedTable,
        FindingCode::TenantKeyOutsideTenantTable,
        FindingCode::ScopeColumnMissing,
        FindingCode::ExpiredEntry,
        FindingCode::ReviewOverdue,
        FindingCode::ReviewDateInFuture,
        FindingCode::MissingCoverage,
        FindingCode::UnmatchedGlob,
    ];

    /// The kebab-case code.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingCode::Unclassified => "unclassified",
            FindingCode::StaleEntry => "stale-entry",
            FindingCode::UnknownTable => "unknown-table",
            FindingCode::Drift => "drift",
            FindingCode::NotAnalysable => "not-analysable",
            FindingCode::UnlistedTable => "unlisted-table",
            FindingCode::TenantKeyOutsideTenantTable => "tenant-key-outside-tenant-table",
            FindingCode::ScopeColumnMissing => "scope-column-missing",
            FindingCode::ExpiredEntry => "expired-entry",
            FindingCode::ReviewOverdue => "review-overdue",
            FindingCode::ReviewDateInFuture => "review-date-in-future",
            FindingCode::MissingCoverage => "missing-coverage",
            FindingCode::UnmatchedGlob => "unmatched-glob",
        }
    }
}

/// Whether a finding fails the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails `check`.
    Error,
    /// Reported; does not fail.
    Warning,
}

/// One problem the gate reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code.
    pub code: FindingCode,
    /// Error or warning.
    pub severity: Severity,
    /// `file:line` or `inventory.yaml:line:column`.
    pub location: String,
    /// What is wrong, in one line.
    pub message: String,
    /// What to do about it.
    pub help: String,
    /// Extra text shown below (a YAML stanza to paste, a diff).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The merged audit.
#[derive(Debug, Clone)]
pub struct Audit {
    /// Every path, in id order.
    pub paths: Vec<AuditedPath>,
    /// Gate findings, errors first.
    pub findings: Vec<Finding>,
    /// Regions that could not be analysed.
    pub not_analysable: Vec<NotAnalysable>,
    /// Files scanned.
    pub files_scanned: usize,
}

impl Audit {
    /// Whether any finding fails the gate.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// Merges a scan with the inventory's classifications and taxonomy.
pub fn merge(scan: ScanResult, inventory: &Inventory) -> Audit {
    use rayon::prelude::*;
    let config = inventory.path.display().to_string();
    let entries: HashMap<&str, &PathEntry> = inventory.entries.iter().map(|e| (e.id.as_str(), e)).collect();
    // A large audit has a hundred thousand paths: each is looked up on every core.
    let paths: Vec<AuditedPath> = scan
        .paths
        .into_par_iter()
        .map(|path| {
            let entry = entries.get(path.id.as_str()).map(|e| Box::new((*e).clone()));
            let status = match (path.verdict, &entry) {
                (verdict, _) if verdict.proven_safe() => Status::Verified,
                (Verdict::NotTenant, _) => Status::GlobalByTaxonomy,
                (_, Some(entry)) => Status::Classified(entry.classification),
                (_, None) => Status::Unclassified,
            };
            AuditedPath { path, status, entry }
        })
        .collect();
    let (mut findings, unknown_tables) = rayon::join(
        || {
            paths
                .par_iter()
                .filter(|p| p.status == Status::Unclassified)
                .map(|p| unclassified(&p.path))
                .collect::<Vec<Finding>>()
        },
        || unknown_tables(&paths, inventory),
    );

    let by_id: HashMap<&str, &AuditedPath> = paths.iter().map(|p| (p.path.id.as_str(), p)).collect();
    for entry in &inventory.entries {
        let location = format!("{config}:{}:{}", entry.line, entry.column);
        let stale = match by_id.get(entry.id.as_str()) {
            None => Some((
                format!("`{}` matches no data-access path in the code", entry.id),
                "the code was moved, renamed or removed: update the id (see `tenant-audit scan`) or delete the entry"
                    .to_string(),
            )),
            Some(found) if !found.path.verdict.needs_classification() => Some((
                format!(
                    "`{}` is {} by the code itself; the entry is no longer needed",
                    entry.id,
                    if found.path.verdict == Verdict::Scoped {
                        "proven scoped"
                    } else {
                        "global by taxonomy"
                    }
                ),
                "delete the entry".to_string(),
            )),
            Some(_) => None,
        };
        if let Some((message, help)) = stale {
            findings.push(Finding {
                code: FindingCode::StaleEntry,
                severity: Severity::Error,
                location,
                message,
                help,
                detail: None,
            });
        }
    }

    for (table, (location, ids)) in unknown_tables {
        let others = if ids.len() > 1 {
            format!(" and {} more path(s)", ids.len() - 1)
        } else {
            String::new()
        };
        findings.push(Finding {
            code: FindingCode::UnknownTable,
            severity: Severity::Error,
            location,
            message: format!("table `{table}` is used by {}{others} but missing from the taxonomy", ids[0]),
            help: format!(
                "add it to {config} under `tables:` as tenant (with its scope columns), child (with parent and via) or global (with a reason)"
            ),
            detail: None,
        });
    }

    for region in &scan.not_analysable {
        findings.push(Finding {
            code: FindingCode::NotAnalysable,
            severity: Severity::Warning,
            location: format!("{}:{}:{}", region.file, region.line, region.column),
            message: region.reason.clone(),
            help: "paths in this region may be missing from the audit; check it by hand, fix it, or leave the file out with `sources.exclude`"
                .into(),
            detail: None,
        });
    }

    sort_findings(&mut findings);
    Audit {
        paths,
        findings,
        not_analysable: scan.not_analysable,
        files_scanned: scan.files_scanned,
    }
}

/// Tables the paths use that the taxonomy lacks, each with where it is first
/// used and the ids of the paths using it, in path order.
fn unknown_tables(paths: &[AuditedPath], inventory: &Inventory) -> BTreeMap<String, (String, Vec<String>)> {
    let mut unknown: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for path in paths.iter().map(|p| &p.path) {
        for table in path.tables.iter().filter_map(|t| t.name.as_ref()) {
            if inventory.taxonomy.class(table).is_none() {
                let (_, ids) = unknown
                    .entry(table.clone())
                    .or_insert_with(|| (format!("{}:{}", path.file, path.line), Vec::new()));
                ids.push(path.id.clone());
            }
        }
    }
    unknown
}

/// Orders findings errors first, then by code, file, and line and column as
/// numbers (so line 10 comes after line 2).
pub fn sort_findings(findings: &mut [Finding]) {
    fn location_key(location: &str) -> (String, usize, usize) {
        let mut parts = location.rsplitn(3, ':');
        let (c, l, f) = (parts.next(), parts.next(), parts.next());
        let number = |s: Option<&str>| s.and_then(|s| s.trim().parse::<usize>().ok());
        match (f, number(l), number(c)) {
            (Some(file), Some(line), Some(column)) => (file.to_string(), line, column),
            _ => match (l, number(c)) {
                (Some(file), Some(line)) => (file.to_string(), line, 0),
                _ => (location.to_string(), 0, 0),
            },
        }
    }
    use rayon::prelude::*;
    // Stable, as `sort_by_cached_key`; a large audit has tens of thousands.
    findings.par_sort_by_cached_key(|f| (f.severity, f.code, location_key(&f.location)));
}

fn unclassified(path: &DataPath) -> Finding {
    Finding {
        code: FindingCode::Unclassified,
        severity: Severity::Error,
        location: format!("{}:{}", path.file, path.line),
        message: format!("{}  (verdict: {}, evidence: {})", path.id, path.verdict, path.evidence),
        help: "fix the query so the code proves it scoped, or classify it under `paths:` in the inventory:".into(),
        detail: Some(stanza(path)),
    }
}

/// The YAML entry to paste for an unclassified path.
pub fn stanza(path: &DataPath) -> String {
    format!(
        "  - id: {}\n    classification: unclear  # scoped | global | unclear\n    reason: \"<what keeps this {} path safe, or what is still open>\"",
        yaml_scalar(&path.id),
        path.verdict
    )
}

/// Quotes a YAML scalar only when plain style would change its meaning. Ids
/// never hold spaces, so only a leading indicator character can.
pub(crate) fn yaml_scalar(value: &str) -> String {
    let needs_quotes = value.is_empty()
        || value.starts_with([
            '?', '-', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`',
        ])
        || value.contains(": ")
        || value.contains(" #");
    if needs_quotes {
        format!("'{}'", value.replace('\'', "''"))
    } else {
        value.to_string()
    }
}
