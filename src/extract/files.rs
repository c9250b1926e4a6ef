//! Which files a scan reads: TypeScript sources under the configured roots,
//! minus what `.gitignore` and the exclude globs leave out, in a stable order.

use super::syntax::Dialect;
use super::ExtractError;
use globset::GlobSet;
use std::path::{Path, PathBuf};

/// The source files to scan, as configured.
#[derive(Debug, Clone)]
pub struct SourceSelection {
    /// Folder that ids and reported paths are relative to (the inventory's folder).
    pub base: PathBuf,
    /// Folders (or files) to scan, relative to `base` or absolute.
    pub roots: Vec<PathBuf>,
    /// A file is scanned only if its relative path matches one of these.
    pub include: GlobSet,
    /// A file is skipped if its relative path matches one of these.
    pub exclude: GlobSet,
}

/// A source file chosen for scanning.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceFile {
    /// Path relative to the selection's base, with `/` separators.
    pub relative: String,
    /// Path to open.
    pub path: PathBuf,
    /// Grammar flavour.
    pub dialect: Dialect,
}

/// Lists the selected source files, sorted by relative path.
pub fn select(selection: &SourceSelection) -> Result<Vec<SourceFile>, ExtractError> {
    let mut files = Vec::new();
    for root in &selection.roots {
        let root = selection.base.join(root);
        if !root.exists() {
            return Err(ExtractError::RootMissing { path: root });
        }
        let walker = ignore::WalkBuilder::new(&root)
            .hidden(true)
            .git_ignore(true)
            .git_exclude(true)
            .parents(true)
            // Respect .gitignore also in a tree that is not (yet) a git checkout.
            .require_git(false)
            .follow_links(false)
            .sort_by_file_name(|a, b| a.cmp(b))
            .build();
        for entry in walker {
            let entry = entry.map_err(|e| ExtractError::Walk {
                path: root.clone(),
                message: e.to_string(),
            })?;
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let path = entry.path();
            let Some(dialect) = Dialect::of(path) else { continue };
            let relative = relative_to(path, &selection.base);
            if !selection.include.is_match(&relative) || selection.exclude.is_match(&relative) {
                continue;
            }
            files.push(SourceFile {
                relative,
                path: path.to_path_buf(),
                dialect,
            });
        }
    }
    files.sort();
    files.dedup_by(|a, b| a.relative == b.relative);
    Ok(files)
}

/// `path` relative to `base` with `/` separators, or as given when outside it.
fn relative_to(path: &Path, base: &Path) -> String {
    let relative = path.strip_prefix(base).unwrap_or(path);
    let relative = relative.strip_prefix(".").unwrap_or(relative);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}
