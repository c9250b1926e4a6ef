//! Writing the document: atomically, so a reader (or a crash) sees the old
//! file or the new one, never half of one.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// Writes `contents` to `path` through a temporary file in the same folder,
/// renamed over the target. Creates missing parent folders.
pub fn write_atomically(path: &Path, contents: &str) -> Result<()> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("cannot create folder {}", parent.display()))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".tenant-audit-")
        .suffix(".tmp")
        .tempfile_in(parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    temp.write_all(contents.as_bytes())
        .and_then(|_| temp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    temp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// A unified diff from `old` to `new`, cut after `max_lines` lines.
pub fn unified_diff(old: &str, new: &str, label: &str, max_lines: usize) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(2)
        .header(&format!("{label} (committed)"), &format!("{label} (from the code)"))
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= max_lines {
        return text;
    }
    let mut cut = lines[..max_lines].join("\n");
    cut.push_str(&format!("\n… {} more diff line(s)", lines.len() - max_lines));
    cut
}
