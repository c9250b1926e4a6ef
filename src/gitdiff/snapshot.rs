//! Scans of one snapshot of the sources: the working tree, or a revision.
//!
//! In a git working tree the sources are the tracked files (the index), so a
//! stray build output or scratch file never enters the audit; outside git the
//! folder is walked, honouring `.gitignore`. A revision's files are read from
//! the object database into a scratch folder and scanned there with the
//! inventory of that revision, so that both sides go through the very same
//! extraction.

use crate::extract::{self, Dialect, ExtractError};
use crate::inventory::{self, Audit, ConfigErrors, Inventory};
use crate::model::ScanResult;
use crate::repo::{RepoError, Revision, Workspace};
use crate::scope;
use globset::{Glob, GlobSetBuilder};
use std::path::{Component, Path};

/// Where the working tree's sources came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceOrigin {
    /// The files tracked in the git index.
    GitIndex,
    /// A `.gitignore`-aware walk of the folders.
    Folder,
}

/// Why a snapshot could not be scanned.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The repository could not be read.
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// The sources could not be read.
    #[error(transparent)]
    Extract(#[from] ExtractError),
    /// The scratch folder for the base revision could not be written.
    #[error("cannot write the base revision's files to a scratch folder: {0}")]
    Scratch(#[from] std::io::Error),
    /// A source root the base revision cannot be read for.
    #[error(
        "`sources.roots` entry `{root}` leaves the inventory's folder; to compare with a revision, roots must be \
         folders inside it"
    )]
    RootOutside {
        /// The root as written.
        root: String,
    },
    /// The working tree is in git, but no tracked file is under the roots.
    #[error(
        "no tracked TypeScript file under `sources.roots` ({roots}); in a git working tree the sources are the \
         files in the git index\n  = help: `git add` the sources (or check the roots, `sources.include` and \
         `sources.exclude` in the inventory)"
    )]
    NothingTracked {
        /// The roots as written.
        roots: String,
    },
    /// Neither the base's inventory nor the working tree's could be loaded.
    #[error("{0}")]
    Config(ConfigErrors),
}

/// Which inventory judged the base revision.
#[derive(Debug, Clone)]
pub enum BaseInventory {
    /// The inventory file as it was at the revision.
    AtRevision,
    /// The revision had no inventory file; the working tree's taxonomy and
    /// rules judged it, with no classifications.
    Missing,
    /// The revision's inventory did not load; as for `Missing`.
    Invalid(ConfigErrors),
}

/// The audit of a revision.
#[derive(Debug, Clone)]
pub struct RevisionAudit {
    /// Paths, verdicts and classifications at the revision.
    pub audit: Audit,
    /// Which inventory judged it.
    pub inventory: BaseInventory,
}

/// A scan of the working tree.
#[derive(Debug, Clone)]
pub struct WorkingTreeScan {
    /// What was found.
    pub scan: ScanResult,
    /// Where the file list came from.
    pub origin: SourceOrigin,
    /// Source files under the roots that git does not track, so the scan
    /// left them out (relative to the inventory's folder).
    pub untracked: Vec<String>,
}

/// Scans the working tree: the tracked files when the inventory is in a git
/// working tree that tracks anything under its folder, else the folder walk.
pub fn scan_working_tree(
    inventory: &Inventory,
    workspace: Option<&Workspace>,
    cache: Option<&Path>,
    listed: &dyn Fn(usize),
) -> Result<WorkingTreeScan, SnapshotError> {
    let tracked = match workspace {
        Some(workspace) => workspace.tracked_files()?,
        None => Vec::new(),
    };
    let (Some(workspace), false) = (workspace, tracked.is_empty()) else {
        // Outside git, or a repository that tracks nothing here yet (a fresh `git init`).
        let extraction = extract::scan_cached(
            &inventory.selection,
            &inventory.rules,
            cache,
            listed,
            Some(&scope::decider(&inventory.taxonomy)),
        )?;
        return Ok(WorkingTreeScan {
            scan: scope::decide_all(extraction, &inventory.taxonomy),
            origin: SourceOrigin::Folder,
            untracked: Vec::new(),
        });
    };
    // The walk still applies the roots and the exclude globs; the include set
    // is narrowed to the tracked files it already accepted.
    let mut include = GlobSetBuilder::new();
    let mut sources = 0;
    let roots: Option<Vec<String>> = inventory
        .selection
        .roots
        .iter()
        .map(|r| folder_inside(r).ok())
        .collect();
    for file in tracked.iter().filter(|file| inventory.selection.include.is_match(file)) {
        // Only TypeScript files and links (which the walk reports) can matter;
        // a monorepo's other files would only make the set bigger.
        let is_typescript = Dialect::of(Path::new(file)).is_some();
        let is_link =
            || std::fs::symlink_metadata(inventory.selection.base.join(file)).is_ok_and(|m| m.file_type().is_symlink());
        if !is_typescript && !is_link() {
            continue;
        }
        if let Ok(glob) = Glob::new(&globset::escape(file)) {
            include.add(glob);
        }
        let is_source = is_typescript && !inventory.selection.exclude.is_match(file);
        if is_source && roots.as_ref().is_none_or(|roots| under_a_root(roots, file)) {
            sources += 1;
        }
    }
    if sources == 0 {
        return Err(SnapshotError::NothingTracked {
            roots: inventory
                .selection
                .roots
                .iter()
                .map(|r| r.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let mut selection = inventory.selection.clone();
    selection.include = include.build().unwrap_or_else(|_| globset::GlobSet::empty());
    let extraction = extract::scan_cached(
        &selection,
        &inventory.rules,
        cache,
        listed,
        Some(&scope::decider(&inventory.taxonomy)),
    )?;
    let untracked = workspace
        .untracked_files()?
        .into_iter()
        .filter(|file| {
            Dialect::of(Path::new(file)).is_some()
                && inventory.selection.include.is_match(file)
                && !inventory.selection.exclude.is_match(file)
                && roots.as_ref().is_none_or(|roots| under_a_root(roots, file))
        })
        .collect();
    Ok(WorkingTreeScan {
        scan: scope::decide_all(extraction, &inventory.taxonomy),
        origin: SourceOrigin::GitIndex,
        untracked,
    })
}

/// Audits `revision`: its inventory (or, when it has none that loads, the
/// working tree's taxonomy without classifications) and its source files,
/// read from the object database.
pub fn audit_revision(
    workspace: &Workspace,
    revision: &Revision,
    head: &Inventory,
) -> Result<RevisionAudit, SnapshotError> {
    let scratch = tempfile::Builder::new().prefix("tenant-audit-base-").tempdir()?;
    let file_name = head
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| inventory::DEFAULT_CONFIG.to_string());
    let config = scratch.path().join(&file_name);
    let at_root = workspace
        .relative_to_root(&head.path)
        .unwrap_or_else(|| file_name.clone());

    let mut status = BaseInventory::AtRevision;
    let mut base_inventory = match workspace.file_at(revision, &at_root)? {
        Some(text) => {
            std::fs::write(&config, text)?;
            match inventory::load(&config) {
                Ok(inventory) => Some(inventory),
                Err(mut errors) => {
                    // Name the file as git does (`main:inventory.yaml`), not by its scratch copy.
                    for error in &mut errors.0 {
                        error.file = format!("{}:{at_root}", revision.spec).into();
                    }
                    status = BaseInventory::Invalid(errors);
                    None
                }
            }
        }
        None => {
            status = BaseInventory::Missing;
            None
        }
    };
    if base_inventory.is_none() {
        std::fs::copy(&head.path, &config)?;
        let mut fallback = inventory::load(&config).map_err(SnapshotError::Config)?;
        fallback.entries.clear();
        base_inventory = Some(fallback);
    }
    let base_inventory = base_inventory.expect("set above");

    let roots = base_inventory
        .selection
        .roots
        .iter()
        .map(|root| folder_inside(root))
        .collect::<Result<Vec<_>, _>>()?;
    let files = workspace.files_at(revision, |relative| {
        under_a_root(&roots, relative) && Dialect::of(Path::new(relative)).is_some()
    })?;
    for root in &roots {
        std::fs::create_dir_all(scratch.path().join(root))?;
    }
    let scan = if files.is_empty() {
        ScanResult::default()
    } else {
        for (relative, contents) in &files {
            let path = scratch.path().join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, contents)?;
        }
        let extraction = extract::scan_with(&base_inventory.selection, &base_inventory.rules)?;
        scope::decide_all(extraction, &base_inventory.taxonomy)
    };
    Ok(RevisionAudit {
        audit: inventory::merge(scan, &base_inventory),
        inventory: status,
    })
}

/// Whether `relative` is inside one of `roots` (as made by [`folder_inside`]).
fn under_a_root(roots: &[String], relative: &str) -> bool {
    roots.iter().any(|root| {
        root.is_empty()
            || relative == root
            || relative
                .strip_prefix(root.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// A source root as a `/`-separated folder inside the inventory's folder
/// (empty for the folder itself).
fn folder_inside(root: &Path) -> Result<String, SnapshotError> {
    let mut parts = Vec::new();
    for component in root.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::CurDir => {}
            _ => {
                return Err(SnapshotError::RootOutside {
                    root: root.display().to_string(),
                })
            }
        }
    }
    Ok(parts.join("/"))
}
