//! The problems machine formats report (SARIF results, workflow
//! annotations): each with a rule, a location relative to the repository
//! root, and a fingerprint that survives line moves. Paths already classified
//! are not problems.

use crate::inventory::{AuditedPath, Finding, FindingCode, Severity, Status};
use crate::model::Verdict;
use crate::repo::Workspace;
use std::path::{Path, PathBuf};

/// A class of problem; SARIF viewers show one rule per class.
#[derive(Debug)]
pub struct Rule {
    /// Stable id (`unscoped-tenant`).
    pub id: &'static str,
    /// PascalCase name.
    pub name: &'static str,
    /// One sentence.
    pub summary: &'static str,
    /// What it means, for someone who has not seen the tool.
    pub description: &'static str,
    /// What to do.
    pub help: &'static str,
    /// GitHub code scanning's 0.0–10.0 score, as the number it expects in a string.
    pub security_severity: &'static str,
}

/// Every rule, in the order reports list them.
pub const RULES: &[Rule] = &[
    Rule {
        id: "unscoped-tenant",
        name: "UnscopedTenantDataAccess",
        summary: "Tenant data is accessed with no tenant constraint, and no reviewer has classified the access.",
        description:
            "A query touches a tenant table — or a storage-engine call, job payload or cache key carries tenant \
                      data — without constraining it by the tenant key, so one customer may read or change another's \
                      data. inventory.yaml has no reviewed classification for this path.",
        help: "Constrain the tenant key (in the WHERE clause, the join, the job payload or the cache key) so the code \
               proves the path scoped, or classify it under `paths:` in inventory.yaml with a reason.",
        security_severity: "8.1",
    },
    Rule {
        id: "conditional",
        name: "ConditionallyScopedDataAccess",
        summary: "The tenant constraint applies only on some executions, and no reviewer has classified the access.",
        description: "The tenant constraint is under a branch, a `$if`, or OR-ed with another condition, so some \
                      executions run without it. inventory.yaml has no reviewed classification for this path.",
        help: "Make the tenant constraint unconditional, or classify the path under `paths:` in inventory.yaml with a \
               reason that says why every execution is safe.",
        security_severity: "6.5",
    },
    Rule {
        id: "unclassified",
        name: "UnclassifiedDataAccess",
        summary: "The analysis cannot prove a data-access path tenant-scoped, and no reviewer has classified it.",
        description: "The analysis cannot see what the path touches or how it is filtered (a computed table name, a \
                      helper, a spread), so it never assumes the path is scoped. inventory.yaml has no reviewed \
                      classification for it.",
        help: "Rewrite the path so the tenant constraint is visible, or classify it under `paths:` in inventory.yaml \
               (scoped, global or unclear) with a reason.",
        security_severity: "5.5",
    },
    Rule {
        id: "stale",
        name: "StaleClassification",
        summary:
            "A classification in inventory.yaml no longer matches the code, has expired, or is overdue for review.",
        description: "Every exception must match a path that still needs it and must have been reviewed recently: an \
                      entry whose path is gone or now proven scoped, one past its `expires` date, and one whose \
                      `reviewed` date is older than the allowed age (or in the future) are reported.",
        help: "Delete entries the code no longer needs (`tenant-audit prune`); review the others again and update \
               `reviewed` and `expires`.",
        security_severity: "3.0",
    },
    Rule {
        id: "unknown-table",
        name: "TableMissingFromTaxonomy",
        summary: "The code uses a table that the taxonomy in inventory.yaml does not declare.",
        description:
            "Without a declaration the audit cannot tell whether the table holds tenant data; it is judged as \
                      a tenant table until declared.",
        help: "Declare the table under `tables:` as tenant (with its scope columns), child (with parent and via) or \
               global (with a reason).",
        security_severity: "5.0",
    },
    Rule {
        id: "drift",
        name: "AuditDocumentOutOfDate",
        summary: "The committed audit document differs from a fresh render of the code and inventory.yaml.",
        description: "The document compliance readers rely on no longer says what the code does.",
        help: "Run `tenant-audit generate` and commit the document with the change.",
        security_severity: "2.0",
    },
    Rule {
        id: "not-analysable",
        name: "SourceNotAnalysable",
        summary: "Part of a source file could not be analysed, so paths there may be missing from the audit.",
        description:
            "A syntax error, an oversized or unreadable file, or a symbolic link not followed hides code from \
                      the analysis.",
        help: "Fix the syntax or the link, or check the region by hand.",
        security_severity: "4.0",
    },
    Rule {
        id: "unlisted-table",
        name: "SchemaTableMissingFromTaxonomy",
        summary: "A table of the database schema is missing from the taxonomy.",
        description: "Every table in the schema must be declared tenant, child or global, so that the first query on \
                      it is judged correctly.",
        help: "Declare the table under `tables:` in inventory.yaml (`tenant-audit taxonomy` suggests a declaration).",
        security_severity: "4.0",
    },
    Rule {
        id: "tenant-key-outside-tenant-table",
        name: "TenancyKeyOnSharedTable",
        summary: "A global or child table has a tenancy-key column.",
        description: "A table declared global or child whose rows carry a tenant id may in fact hold tenant data.",
        help: "Declare it as a tenant table, or say why it is shared with `allow_tenant_key`.",
        security_severity: "5.0",
    },
    Rule {
        id: "scope-column-missing",
        name: "ScopeColumnNotInSchema",
        summary: "A scope or `via` column of the taxonomy does not exist in the schema.",
        description: "A constraint on a column the table does not have scopes nothing.",
        help: "Fix the column name in inventory.yaml.",
        security_severity: "5.0",
    },
    Rule {
        id: "missing-coverage",
        name: "IsolationTestMissing",
        summary: "An isolation-test area has no two-tenant test that runs.",
        description:
            "Each area listed under `coverage:` needs an integration test that sets up two tenants and proves \
                      one cannot see the other's data.",
        help: "Add the test and list its file under the area's `tests:` in inventory.yaml.",
        security_severity: "4.0",
    },
    Rule {
        id: "unmatched-glob",
        name: "CoverageGlobMatchesNothing",
        summary: "A `protects` glob of a coverage area matches no data-access path.",
        description: "The code moved or the glob is mistyped, so the matrix no longer says what the tests protect.",
        help: "Fix the glob; globs match path ids.",
        security_severity: "2.0",
    },
];

/// One problem, ready for any machine format.
#[derive(Debug, Clone)]
pub struct Problem {
    /// Its class.
    pub rule: &'static Rule,
    /// Error or warning.
    pub severity: Severity,
    /// File relative to the repository root (or the current folder outside git), `/`-separated.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: String,
    /// Extra text: the YAML stanza to paste.
    pub detail: Option<String>,
    /// What the problem is about, stable across line moves: the path id, the
    /// table, the entry.
    pub fingerprint: String,
}

/// The rule of a path that needs a classification, by its verdict.
pub fn rule_for_path(verdict: Verdict) -> &'static Rule {
    match verdict {
        Verdict::Unscoped => rule("unscoped-tenant"),
        Verdict::Conditional => rule("conditional"),
        // Unknown, and any verdict added later that needs a reviewer.
        _ => rule("unclassified"),
    }
}

/// The rule of a finding.
pub fn rule_for_finding(code: FindingCode) -> &'static Rule {
    match code {
        FindingCode::Unclassified => rule("unclassified"),
        FindingCode::StaleEntry
        | FindingCode::ExpiredEntry
        | FindingCode::ReviewOverdue
        | FindingCode::ReviewDateInFuture => rule("stale"),
        FindingCode::UnknownTable => rule("unknown-table"),
        FindingCode::Drift => rule("drift"),
        FindingCode::NotAnalysable => rule("not-analysable"),
        FindingCode::UnlistedTable => rule("unlisted-table"),
        FindingCode::TenantKeyOutsideTenantTable => rule("tenant-key-outside-tenant-table"),
        FindingCode::ScopeColumnMissing => rule("scope-column-missing"),
        FindingCode::MissingCoverage => rule("missing-coverage"),
        FindingCode::UnmatchedGlob => rule("unmatched-glob"),
    }
}

fn rule(id: &str) -> &'static Rule {
    RULES
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no rule {id}"))
}

/// Turns the files reports name into paths relative to the repository root,
/// which is what GitHub matches annotations and alerts against.
pub struct Locations {
    /// The inventory's folder; source files are relative to it.
    base: PathBuf,
    /// The repository root, canonical; the current folder outside git.
    root: PathBuf,
}

impl Locations {
    /// For an inventory in `base`, inside `workspace` when there is one.
    pub fn new(base: &Path, workspace: Option<&Workspace>) -> Locations {
        let root = match workspace {
            Some(workspace) => workspace.workdir().to_path_buf(),
            None => std::env::current_dir()
                .and_then(|d| d.canonicalize())
                .unwrap_or_default(),
        };
        Locations {
            base: base.to_path_buf(),
            root,
        }
    }

    /// `file` — relative to the inventory's folder (sources) or to the
    /// current folder (the inventory itself, the document) — relative to the root.
    pub fn uri(&self, file: &str) -> String {
        let in_base = self.base.join(file);
        let path = if Path::new(file).is_absolute() || !in_base.exists() {
            PathBuf::from(file)
        } else {
            in_base
        };
        let absolute = if path.is_absolute() {
            path
        } else {
            std::env::current_dir().unwrap_or_default().join(path)
        };
        let canonical = absolute.canonicalize().unwrap_or(absolute);
        match canonical.strip_prefix(&self.root) {
            Ok(relative) => relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/"),
            Err(_) => file.replace('\\', "/"),
        }
    }
}

/// The problems of a set of paths (those needing a classification and
/// lacking one) and findings (every other code).
pub fn problems(paths: &[&AuditedPath], findings: &[Finding], locations: &Locations, config: &str) -> Vec<Problem> {
    let mut problems: Vec<Problem> = paths
        .iter()
        .filter(|p| p.status == Status::Unclassified)
        .map(|audited| {
            let path = &audited.path;
            Problem {
                rule: rule_for_path(path.verdict),
                severity: Severity::Error,
                file: locations.uri(&path.file),
                line: path.line.max(1),
                column: None,
                message: format!(
                    "`{}` is {} and has no classification in {config}: {}",
                    path.id, path.verdict, path.evidence
                ),
                help: format!("fix the code so it proves the path scoped, or classify it under `paths:` in {config}:"),
                detail: Some(crate::inventory::stanza(path)),
                fingerprint: path.id.clone(),
            }
        })
        .collect();
    for finding in findings.iter().filter(|f| f.code != FindingCode::Unclassified) {
        let (file, line, column) = split_location(&finding.location);
        let file = locations.uri(file);
        problems.push(Problem {
            rule: rule_for_finding(finding.code),
            severity: finding.severity,
            fingerprint: format!("{}:{}", finding.code.as_str(), subject(finding, &file)),
            file,
            line: line.unwrap_or(1).max(1),
            column,
            message: finding.message.clone(),
            help: finding.help.clone(),
            detail: None,
        });
    }
    problems
}

/// `file:line:column`, `file:line` or `file`.
pub fn split_location(location: &str) -> (&str, Option<usize>, Option<usize>) {
    let number = |s: &str| s.parse::<usize>().ok();
    let mut parts = location.rsplitn(3, ':');
    let (last, middle, first) = (parts.next(), parts.next(), parts.next());
    match (first, middle.and_then(number), last.and_then(number)) {
        (Some(file), Some(line), Some(column)) => (file, Some(line), Some(column)),
        _ => match location.rsplit_once(':') {
            Some((file, line)) if number(line).is_some() => (file, number(line), None),
            _ => (location, None, None),
        },
    }
}

/// What a finding is about, without line numbers or counts that change when
/// unrelated code moves: the first `quoted` name in its message (an id, a
/// table, an area), else its file and message.
fn subject(finding: &Finding, file: &str) -> String {
    let mut quoted = finding.message.split('`');
    match (quoted.next(), quoted.next()) {
        (Some(_), Some(name)) if !name.is_empty() => name.to_string(),
        _ => format!("{file}:{}", finding.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_finding_code_has_a_rule_and_every_rule_id_is_unique() {
        for code in FindingCode::ALL {
            rule_for_finding(code);
        }
        for verdict in Verdict::ALL {
            rule_for_path(verdict);
        }
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }

    #[test]
    fn locations_split_into_file_line_and_column() {
        assert_eq!(
            split_location("inventory.yaml:12:5"),
            ("inventory.yaml", Some(12), Some(5))
        );
        assert_eq!(split_location("src/a.ts:7"), ("src/a.ts", Some(7), None));
        assert_eq!(split_location("docs/audit.md"), ("docs/audit.md", None, None));
    }

    #[test]
    fn security_severities_are_scores_from_0_to_10() {
        for rule in RULES {
            let score: f64 = rule.security_severity.parse().expect("a number");
            assert!((0.0..=10.0).contains(&score), "{}", rule.id);
        }
    }
}
