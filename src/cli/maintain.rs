//! `baseline` and `prune`: keep inventory.yaml in step with the code without
//! losing a byte of what people wrote in it. Both edit the file as text (see
//! [`crate::inventory::append_unclear_entries`]), write it atomically, and
//! say exactly what they changed.

use super::output;
use crate::inventory::{self, Audit, Inventory, Status, BASELINE_REASON};
use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Appends an `unclear` entry for every unclassified path; returns what to print.
pub fn baseline(inventory: &Inventory, audit: &Audit, today: jiff::civil::Date, dry_run: bool) -> Result<String> {
    let config = inventory.path.display().to_string();
    let ids: Vec<String> = audit
        .paths
        .iter()
        .filter(|p| p.status == Status::Unclassified)
        .map(|p| p.path.id.clone())
        .collect();
    if ids.is_empty() {
        return Ok(format!(
            "nothing to add: every path that needs a classification has one in {config}\n"
        ));
    }
    let text = read(inventory)?;
    let comment = format!(
        "Added by `tenant-audit baseline` on {today}: {} the code cannot prove scoped.\nReview each one: fix the \
         code, or replace the reason with what keeps the path safe.",
        count(ids.len(), "path", "paths")
    );
    let edited = inventory::append_unclear_entries(&text, &ids, &comment)
        .with_context(|| format!("{config} was not changed"))?;
    let mut out = String::new();
    if dry_run {
        out.push_str(&change(&text, &edited, &config));
        let _ = writeln!(
            out,
            "dry run: {config} was not changed; {} would be added",
            count(ids.len(), "entry", "entries")
        );
        return Ok(out);
    }
    output::write_atomically(&inventory.path, &edited)?;
    let _ = writeln!(
        out,
        "added {} to {config} as `unclear` with the reason \"{BASELINE_REASON}\":",
        count(ids.len(), "entry", "entries")
    );
    for id in &ids {
        let _ = writeln!(out, "  {id}");
    }
    let _ = writeln!(
        out,
        "next: replace each reason with what keeps the path safe (or fix the code), then run `tenant-audit generate`; \
         until then they are open items in the document"
    );
    Ok(out)
}

/// Removes the entries the code no longer needs; returns what to print.
pub fn prune(inventory: &Inventory, audit: &Audit, dry_run: bool) -> Result<String> {
    let config = inventory.path.display().to_string();
    let by_id: BTreeMap<&str, Status> = audit.paths.iter().map(|p| (p.path.id.as_str(), p.status)).collect();
    // A file the parser could not fully read may hide the very path an entry
    // classifies: its entries are kept, never pruned on a guess.
    let unreadable: BTreeSet<&str> = audit.not_analysable.iter().map(|r| r.file.as_str()).collect();
    let mut stale: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut kept = Vec::new();
    for entry in &inventory.entries {
        let why = match by_id.get(entry.id.as_str()) {
            None => "matches no data-access path in the code",
            Some(Status::Verified) => "the code now proves it scoped",
            Some(Status::GlobalByTaxonomy) => "every table it touches is global by taxonomy",
            Some(_) => continue,
        };
        let file = entry.id.split("::").next().unwrap_or_default();
        if unreadable.contains(file) {
            kept.push(entry.id.clone());
            continue;
        }
        stale.insert(entry.id.clone(), why);
    }
    let mut out = String::new();
    if !kept.is_empty() {
        let _ = writeln!(
            out,
            "kept {} whose file could not be fully analysed (see `tenant-audit check`), as their paths may still \
             exist:",
            count(kept.len(), "entry", "entries")
        );
        for id in &kept {
            let _ = writeln!(out, "  {id}");
        }
    }
    if stale.is_empty() {
        let _ = writeln!(
            out,
            "nothing to prune: every entry in {config} matches a path that needs it"
        );
        return Ok(out);
    }
    let text = read(inventory)?;
    let ids: BTreeSet<String> = stale.keys().cloned().collect();
    let (edited, removed) =
        inventory::remove_entries(&text, &ids).with_context(|| format!("{config} was not changed"))?;
    if dry_run {
        out.push_str(&change(&text, &edited, &config));
        let _ = writeln!(
            out,
            "dry run: {config} was not changed; {} would be removed",
            count(removed.len(), "entry", "entries")
        );
        return Ok(out);
    }
    output::write_atomically(&inventory.path, &edited)?;
    let _ = writeln!(
        out,
        "removed {} from {config}:",
        count(removed.len(), "stale entry", "stale entries")
    );
    for id in &removed {
        let _ = writeln!(out, "  {id}: {}", stale[id]);
    }
    let _ = writeln!(out, "next: run `tenant-audit generate` and commit both files");
    Ok(out)
}

/// `1 entry`, `2 entries`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn read(inventory: &Inventory) -> Result<String> {
    std::fs::read_to_string(&inventory.path).with_context(|| format!("cannot read {}", inventory.path.display()))
}

/// The edit as a unified diff.
fn change(before: &str, after: &str, label: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(2)
        .header(&format!("{label} (now)"), &format!("{label} (after the edit)"))
        .to_string()
}
