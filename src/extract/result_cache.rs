//! A content-addressed cache of per-file extraction results, so that a re-run
//! over unchanged sources parses nothing. An entry is keyed by a SHA-256 of
//! the tool's build, the extraction rules, the file's path, dialect and bytes;
//! it is read back only when its stored key matches in full, so a foreign or
//! stale entry is ignored, never trusted (a damaged one fails its seal, see
//! [`CacheFolder`]). Entries are postcard, a compact binary serde format: a
//! warm run decodes one per file with paths, and JSON took a third of a warm
//! scan's time.

use super::rules::ExtractRules;
use super::syntax::Dialect;
use super::FileExtraction;
use crate::cache_folder::{self, CacheFolder};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// A cache folder for one set of rules.
pub struct ResultCache {
    folder: CacheFolder,
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
        cache_folder::hash_build(&mut hasher);
        // Debug output of plain data is deterministic for one build.
        hasher.update(format!("{rules:?}").as_bytes());
        ResultCache {
            folder: CacheFolder::new(dir),
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
        cache_folder::hex(&hasher.finalize())
    }

    /// Whether an earlier run has stored results here.
    pub fn is_filled(&self) -> bool {
        self.folder.exists()
    }

    /// The cached extraction of this exact file, if any.
    pub fn get(&self, file: &str, dialect: Dialect, source: &[u8]) -> Option<FileExtraction> {
        let key = self.key(file, dialect, source);
        let bytes = self.folder.read(&entry_name(&key))?;
        let entry: Entry = postcard::from_bytes(&bytes).ok()?;
        (entry.key == key).then_some(entry.extraction)
    }

    /// Stores an extraction; failures only cost the next run a parse.
    pub fn put(&self, file: &str, dialect: Dialect, source: &[u8], extraction: &FileExtraction) {
        let key = self.key(file, dialect, source);
        let entry = Entry {
            key,
            extraction: extraction.clone(),
        };
        if let Ok(bytes) = postcard::to_stdvec(&entry) {
            let _ = self.folder.write(&entry_name(&entry.key), &bytes);
        }
    }
}

fn entry_name(key: &str) -> String {
    format!("{key}.postcard")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of the example and the fixtures, as the scan extracts it.
    fn extractions() -> Vec<(String, Dialect, Vec<u8>, FileExtraction)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut stack = vec![root.join("examples"), root.join("tests/fixtures")];
        let mut found = Vec::new();
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Some(dialect) = Dialect::of(&path) {
                    let source = std::fs::read(&path).unwrap();
                    let file = path.strip_prefix(root).unwrap().display().to_string();
                    let extraction = super::super::extract_file(&source, &file, dialect, &ExtractRules::default());
                    found.push((file, dialect, source, extraction));
                }
            }
        }
        found
    }

    #[test]
    fn an_entry_reads_back_as_the_extraction_it_stored() {
        let dir = tempfile::TempDir::new().unwrap();
        let cache = ResultCache::new(&dir.path().join("cache"), &ExtractRules::default());
        let files = extractions();
        let paths: usize = files.iter().map(|(.., e)| e.candidates.len()).sum();
        let aliased = files
            .iter()
            .flat_map(|(.., e)| &e.candidates)
            .flat_map(|c| &c.targets)
            .any(|t| t.alias.is_some());
        assert!(
            paths > 100 && aliased,
            "the files hold paths of every shape: {paths} paths"
        );
        for (file, dialect, source, extraction) in &files {
            assert!(
                cache.get(file, *dialect, source).is_none(),
                "{file}: found before it was stored"
            );
            cache.put(file, *dialect, source, extraction);
            let read = cache
                .get(file, *dialect, source)
                .unwrap_or_else(|| panic!("{file}: not read back"));
            assert_eq!(format!("{read:?}"), format!("{extraction:?}"), "{file}");
        }
    }

    #[test]
    fn an_entry_is_found_only_for_the_same_file_dialect_and_bytes() {
        let dir = tempfile::TempDir::new().unwrap();
        let cache = ResultCache::new(&dir.path().join("cache"), &ExtractRules::default());
        let (file, dialect, source, extraction) = extractions().swap_remove(0);
        cache.put(&file, dialect, &source, &extraction);
        let mut edited = source.clone();
        edited.push(b'\n');
        assert!(cache.get(&file, dialect, &edited).is_none());
        assert!(cache.get("src/elsewhere.ts", dialect, &source).is_none());
        let other = if dialect == Dialect::Tsx {
            Dialect::TypeScript
        } else {
            Dialect::Tsx
        };
        assert!(cache.get(&file, other, &source).is_none());
        let rules = ExtractRules {
            cache_clients: vec!["another".into()],
            ..ExtractRules::default()
        };
        assert!(ResultCache::new(&dir.path().join("cache"), &rules)
            .get(&file, dialect, &source)
            .is_none());
        assert!(cache.get(&file, dialect, &source).is_some());
    }
}
