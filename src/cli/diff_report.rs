//! `diff` for people (a terminal, or a pull-request comment in markdown) and
//! for machines (JSON). Reporters only format; the comparison is done.

use super::style::Palette;
use crate::gitdiff::{BaseInventory, PathChanges};
use crate::inventory::{AuditedPath, Status};
use crate::repo::Revision;
use serde::Serialize;
use std::fmt::Write as _;

/// What a diff report says.
pub struct DiffReport<'a> {
    /// The base revision.
    pub revision: &'a Revision,
    /// Which inventory judged the base.
    pub base_inventory: &'a BaseInventory,
    /// The inventory file's name, for notes.
    pub config: &'a str,
    /// The differences.
    pub changes: &'a PathChanges,
}

impl DiffReport<'_> {
    /// Added and changed paths that now need a classification and have none.
    fn open(&self) -> usize {
        self.changes
            .added
            .iter()
            .chain(self.changes.changed.iter().map(|c| &c.after))
            .filter(|p| p.status == Status::Unclassified)
            .count()
    }

    fn counts(&self) -> String {
        format!(
            "{} added, {} removed, {} changed",
            self.changes.added.len(),
            self.changes.removed.len(),
            self.changes.changed.len()
        )
    }

    fn note(&self) -> Option<String> {
        match self.base_inventory {
            BaseInventory::AtRevision => None,
            BaseInventory::Missing => Some(format!(
                "{} does not exist at `{}`, so the base was judged with this tree's taxonomy and no classifications.",
                self.config, self.revision.spec
            )),
            BaseInventory::Invalid(_) => Some(format!(
                "{} at `{}` does not load, so the base was judged with this tree's taxonomy and no classifications.",
                self.config, self.revision.spec
            )),
        }
    }
}

/// A pull-request comment.
pub fn markdown(report: &DiffReport) -> String {
    let changes = report.changes;
    let mut out = format!(
        "### Tenant isolation: data-access paths changed since `{}` ({})\n\n",
        report.revision.spec, report.revision.short
    );
    if let Some(note) = report.note() {
        let _ = writeln!(out, "> **Note:** {note}\n");
    }
    if changes.is_empty() {
        out.push_str("No data-access path was added, removed or changed.\n");
        return out;
    }
    let _ = write!(out, "**{}.**", report.counts());
    match report.open() {
        0 => out.push_str(" Every added or changed path is proven scoped or classified.\n"),
        n => {
            let _ = writeln!(
                out,
                " **{n} path(s) need a classification** in `{}` before `tenant-audit check` passes.",
                report.config
            );
        }
    }
    let table_head = "| Path | Access | Verdict | Classification |\n|---|---|---|---|\n";
    if !changes.added.is_empty() {
        let _ = write!(out, "\n#### Added ({})\n\n{table_head}", changes.added.len());
        for path in &changes.added {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                where_(path),
                access(path),
                path.path.verdict,
                status_cell(path.status)
            );
        }
    }
    if !changes.changed.is_empty() {
        let _ = write!(out, "\n#### Changed ({})\n\n{table_head}", changes.changed.len());
        for change in &changes.changed {
            let verdict = if change.before.path.verdict == change.after.path.verdict {
                change.after.path.verdict.to_string()
            } else {
                format!("{} → **{}**", change.before.path.verdict, change.after.path.verdict)
            };
            let status = if change.before.status == change.after.status {
                status_cell(change.after.status)
            } else {
                format!(
                    "{} → {}",
                    change.before.status.label(),
                    status_cell(change.after.status)
                )
            };
            let _ = writeln!(
                out,
                "| {} | {} | {verdict} | {status} |",
                where_(&change.after),
                access(&change.after)
            );
        }
    }
    if !changes.removed.is_empty() {
        let _ = write!(out, "\n#### Removed ({})\n\n{table_head}", changes.removed.len());
        for path in &changes.removed {
            let _ = writeln!(
                out,
                "| `{}` · `{}` | {} | {} | {} |",
                path.path.file,
                path.path.symbol,
                access(path),
                path.path.verdict,
                path.status.label()
            );
        }
    }
    out.push_str("\n<details><summary>Path ids</summary>\n\n");
    for (sign, path) in changes
        .added
        .iter()
        .map(|p| ("added", p))
        .chain(changes.changed.iter().map(|c| ("changed", &c.after)))
        .chain(changes.removed.iter().map(|p| ("removed", p)))
    {
        let _ = writeln!(out, "- {sign}: `{}`", path.path.id);
    }
    out.push_str("\n</details>\n");
    out
}

/// For a terminal: one line per path, `+` added, `~` changed, `-` removed.
pub fn text(report: &DiffReport, palette: &Palette) -> String {
    let changes = report.changes;
    let mut out = String::new();
    if let Some(note) = report.note() {
        let _ = writeln!(out, "{} {note}", palette.warning("note:"));
    }
    for path in &changes.added {
        let _ = writeln!(
            out,
            "+ {}:{}  {}  {}  {}",
            path.path.file,
            path.path.line,
            palette.verdict(path.path.verdict),
            status_text(path.status, palette),
            path.path.id
        );
    }
    for change in &changes.changed {
        let (before, after) = (&change.before, &change.after);
        let verdict = if before.path.verdict == after.path.verdict {
            palette.verdict(after.path.verdict)
        } else {
            format!(
                "{} → {}",
                palette.verdict(before.path.verdict),
                palette.verdict(after.path.verdict)
            )
        };
        let status = if before.status == after.status {
            status_text(after.status, palette)
        } else {
            format!("{} → {}", before.status.label(), status_text(after.status, palette))
        };
        let _ = writeln!(
            out,
            "~ {}:{}  {verdict}  {status}  {}",
            after.path.file, after.path.line, after.path.id
        );
    }
    for path in &changes.removed {
        let _ = writeln!(
            out,
            "- {}  {}  {}  {}",
            path.path.file,
            path.path.verdict,
            path.status.label(),
            path.path.id
        );
    }
    let _ = write!(
        out,
        "changes since {} ({}): {}",
        report.revision.spec,
        report.revision.short,
        report.counts()
    );
    match report.open() {
        0 => out.push('\n'),
        n => {
            let _ = writeln!(
                out,
                "; {}",
                palette.error(&format!("{n} path(s) need a classification"))
            );
        }
    }
    out
}

#[derive(Serialize)]
struct DiffJson<'a> {
    base: BaseJson<'a>,
    summary: SummaryJson,
    added: Vec<PathJson<'a>>,
    removed: Vec<PathJson<'a>>,
    changed: Vec<ChangeJson<'a>>,
}

#[derive(Serialize)]
struct BaseJson<'a> {
    revision: &'a str,
    commit: &'a str,
    /// `at-revision`, `missing` or `invalid`.
    inventory: &'static str,
}

#[derive(Serialize)]
struct SummaryJson {
    added: usize,
    removed: usize,
    changed: usize,
    needs_classification: usize,
}

#[derive(Serialize)]
struct PathJson<'a> {
    id: &'a str,
    kind: &'static str,
    operation: &'a str,
    target: &'a str,
    file: &'a str,
    line: usize,
    symbol: &'a str,
    verdict: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    classification: Option<&'static str>,
}

#[derive(Serialize)]
struct ChangeJson<'a> {
    id: &'a str,
    before: PathJson<'a>,
    after: PathJson<'a>,
}

/// For machines.
pub fn json(report: &DiffReport) -> String {
    let changes = report.changes;
    let value = DiffJson {
        base: BaseJson {
            revision: &report.revision.spec,
            commit: &report.revision.commit,
            inventory: match report.base_inventory {
                BaseInventory::AtRevision => "at-revision",
                BaseInventory::Missing => "missing",
                BaseInventory::Invalid(_) => "invalid",
            },
        },
        summary: SummaryJson {
            added: changes.added.len(),
            removed: changes.removed.len(),
            changed: changes.changed.len(),
            needs_classification: report.open(),
        },
        added: changes.added.iter().map(path_json).collect(),
        removed: changes.removed.iter().map(path_json).collect(),
        changed: changes
            .changed
            .iter()
            .map(|c| ChangeJson {
                id: &c.after.path.id,
                before: path_json(&c.before),
                after: path_json(&c.after),
            })
            .collect(),
    };
    let mut json = serde_json::to_string_pretty(&value).expect("the diff is plain data");
    json.push('\n');
    json
}

fn path_json(audited: &AuditedPath) -> PathJson<'_> {
    let path = &audited.path;
    let (status, classification) = match audited.status {
        Status::Verified => ("verified", None),
        Status::GlobalByTaxonomy => ("global-by-taxonomy", None),
        Status::Classified(c) => ("classified", Some(c.as_str())),
        Status::Unclassified => ("unclassified", None),
    };
    PathJson {
        id: &path.id,
        kind: path.kind.as_str(),
        operation: &path.operation,
        target: &path.target,
        file: &path.file,
        line: path.line,
        symbol: &path.symbol,
        verdict: path.verdict.as_str(),
        status,
        classification,
    }
}

fn where_(path: &AuditedPath) -> String {
    format!("`{}:{}` · `{}`", path.path.file, path.path.line, path.path.symbol)
}

fn access(path: &AuditedPath) -> String {
    format!(
        "{} {} `{}`",
        path.path.kind,
        path.path.operation,
        path.path.target.replace('|', "\\|")
    )
}

fn status_cell(status: Status) -> String {
    match status {
        Status::Unclassified => format!("**{}**", status.label()),
        other => other.label().to_string(),
    }
}

fn status_text(status: Status, palette: &Palette) -> String {
    match status {
        Status::Unclassified => palette.error(status.label()),
        other => other.label().to_string(),
    }
}
