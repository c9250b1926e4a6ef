//! A content-addressed cache of per-file extraction results, so that a re-run
//! over unchanged sources parses nothing. An entry is keyed by a SHA-256 of
//! the tool version and build, the extraction rules, the file's path, dialect
//! and bytes; it is read back only when its stored key matches in full, so a
//! corrupt, foreign or stale entry is ignored, never trusted. Entries are
//! written atomically; the folder holds a `.gitignore` of its own and is safe
//! to delete at any time.

use super::rules::ExtractRules;
use super::syntax::Dialect;
use super::FileExtraction;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A cache folder for one set of rules.
pub struct ResultCache {
    dir: PathBuf,
    /// Hash of what, besides the file, decides its extraction.
    context: [u8; 32],
}

#[derive(Serialize, Deserialize)]
struct Entry {
    key: String,
    extraction: FileExtraction,
}

impl ResultCache {
    /// A cache in `dir` (created on first write) for `rules`.
    pub fn new(dir: &Path, rules: &ExtractRules) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
        hasher.update(b"\0");
        // Two builds of one version may extract differently: the running
        // executable's size and modification time tell builds apart cheaply.
        if let Some(build) = std::env::current_exe().ok().and_then(|exe| std::fs::metadata(exe).ok()) {
            hasher.update(build.len().to_le_bytes());
            if let Ok(modified) = build.modified() {
                if let Ok(since) = modified.duration_since(std::time::UNIX_EPOCH) {
                    hasher.update(since.as_nanos().to_le_bytes());
                }
            }
        }
        // Debug output of plain data is deterministic for one build.
        hasher.update(format!("{rules:?}").as_bytes());
        ResultCache {
            dir: dir.to_path_buf(),
            context: hasher.finalize().into(),
        }
    }

    fn key(&self, file: &str, dialect: Dialect, source: &[u8]) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.context);
        hasher.update(file.as_bytes());
        hasher.update(b"\0");
        hasher.update(format!("{dialect:?}").as_bytes());
        hasher.update(b"\0");
        hasher.update(source);
        hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether an earlier run has stored results here (the folder exists
    /// once one has).
    pub fn is_filled(&self) -> bool {
        self.dir.is_dir()
    }

    /// The cached extraction of this exact file, if any.
    pub fn get(&self, file: &str, dialect: Dialect, source: &[u8]) -> Option<FileExtraction> {
        let key = self.key(file, dialect, source);
        let bytes = std::fs::read(self.dir.join(format!("{key}.json"))).ok()?;
        let entry: Entry = serde_json::from_slice(&bytes).ok()?;
        (entry.key == key).then_some(entry.extraction)
    }

    /// Stores an extraction; failures only cost the next run a parse.
    pub fn put(&self, file: &str, dialect: Dialect, source: &[u8], extraction: &FileExtraction) {
        let key = self.key(file, dialect, source);
        let _ = self.write(&key, extraction);
    }

    fn write(&self, key: &str, extraction: &FileExtraction) -> std::io::Result<()> {
        if !self.dir.is_dir() {
            std::fs::create_dir_all(&self.dir)?;
            std::fs::write(
                self.dir.join(".gitignore"),
                "# tenant-audit's cache: safe to delete\n*\n",
            )?;
        }
        let entry = Entry {
            key: key.to_string(),
            extraction: extraction.clone(),
        };
        let json = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        let mut temp = tempfile::NamedTempFile::new_in(&self.dir)?;
        temp.write_all(&json)?;
        temp.persist(self.dir.join(format!("{key}.json")))
            .map_err(|e| e.error)?;
        Ok(())
    }
}
