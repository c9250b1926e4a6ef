//! The folder where runs keep results for later runs (`.tenant-audit/cache`
//! beside the inventory): per-file extractions (`extract`) and the last
//! rendered document (`render`). Each entry is one file, written atomically
//! and sealed with a SHA-256 of its contents (the per-file results, one
//! seal per file's result), so a torn, corrupt or hand-edited entry is
//! ignored, never trusted. The folder holds a `.gitignore` of its own and is
//! safe to delete at any time.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Bytes of a seal: the SHA-256 that starts a sealed entry.
pub const SEAL: usize = 32;

/// What the name of an entry being written starts with.
const PARTIAL: &str = ".partial-";

/// How old an entry being written must be to count as abandoned: a run
/// killed while writing leaves it behind, and another run may be writing one.
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(600);

/// A cache folder (created on the first write).
pub struct CacheFolder {
    dir: PathBuf,
}

impl CacheFolder {
    /// The folder at `dir`.
    pub fn new(dir: &Path) -> Self {
        CacheFolder { dir: dir.to_path_buf() }
    }

    /// The contents of entry `name`, when it is there and its seal matches.
    pub fn read(&self, name: &str) -> Option<Vec<u8>> {
        let mut bytes = std::fs::read(self.dir.join(name)).ok()?;
        if bytes.len() < SEAL || seal(&bytes[SEAL..]) != bytes[..SEAL] {
            return None;
        }
        bytes.drain(..SEAL);
        Some(bytes)
    }

    /// Stores `parts`, one after the other, as entry `name`, replacing any
    /// entry of that name at once or not at all; written from where they
    /// are, not copied into one buffer first (a document is megabytes).
    pub fn write(&self, name: &str, parts: &[&[u8]]) -> std::io::Result<()> {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update(part);
        }
        let mut temp = self.new_entry()?;
        temp.write_all(&hasher.finalize())?;
        for part in parts {
            temp.write_all(part)?;
        }
        self.keep(temp, name)
    }

    /// Whether entry `name` is there (sealed or not).
    pub fn holds(&self, name: &str) -> bool {
        self.dir.join(name).is_file()
    }

    /// A file for an entry to be written into and then kept with
    /// [`CacheFolder::keep`]; deleted if dropped before (the folder is made
    /// on the first one). For entries too large to seal as a whole.
    pub fn new_entry(&self) -> std::io::Result<tempfile::NamedTempFile> {
        let ignore = self.dir.join(".gitignore");
        if !ignore.exists() {
            std::fs::create_dir_all(&self.dir)?;
            std::fs::write(ignore, "# tenant-audit's cache: safe to delete\n*\n")?;
        }
        tempfile::Builder::new().prefix(PARTIAL).tempfile_in(&self.dir)
    }

    /// Makes `written` entry `name`, in place of any entry of that name, and
    /// removes entries whose writing was abandoned.
    pub fn keep(&self, written: tempfile::NamedTempFile, name: &str) -> std::io::Result<()> {
        written.persist(self.dir.join(name)).map_err(|e| e.error)?;
        self.remove(|name| name.starts_with(PARTIAL), Some(ABANDONED_AFTER));
        Ok(())
    }

    /// The bytes of entry `name` as they are, unsealed.
    pub fn read_unsealed(&self, name: &str) -> Option<Vec<u8>> {
        std::fs::read(self.dir.join(name)).ok()
    }

    /// Removes the entries `picked` chooses by name and, with `older_than`,
    /// only those last written longer ago than that (a file whose time
    /// cannot be read is kept then); best effort.
    pub fn remove(&self, picked: impl Fn(&str) -> bool, older_than: Option<std::time::Duration>) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            if !entry.file_name().to_str().is_some_and(&picked) {
                continue;
            }
            let old_enough = older_than.is_none_or(|limit| {
                let modified = entry.metadata().and_then(|m| m.modified());
                let age = modified
                    .ok()
                    .and_then(|m| std::time::SystemTime::now().duration_since(m).ok());
                age.is_some_and(|age| age > limit)
            });
            if old_enough {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// The SHA-256 of `bytes`, as entries are sealed with.
pub fn seal(bytes: &[u8]) -> [u8; SEAL] {
    Sha256::digest(bytes).into()
}

/// Feeds what tells this build of the tool from others to `hasher` (two
/// builds of one version may extract or render differently): its version,
/// the id `build.rs` made from the sources it was built from, and the
/// running executable's size and modification time (which also tell apart
/// builds of one source with other dependencies' code or other settings).
pub fn hash_build(hasher: &mut Sha256) {
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.update(b"\0");
    hasher.update(env!("TENANT_AUDIT_SOURCE_ID").as_bytes());
    if let Some(build) = std::env::current_exe().ok().and_then(|exe| std::fs::metadata(exe).ok()) {
        hasher.update(build.len().to_le_bytes());
        if let Ok(modified) = build.modified() {
            if let Ok(since) = modified.duration_since(std::time::UNIX_EPOCH) {
                hasher.update(since.as_nanos().to_le_bytes());
            }
        }
    }
}

/// A SHA-256 as lowercase hex, for entry names.
pub fn hex(digest: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut text = String::with_capacity(digest.len() * 2);
    for byte in digest {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

#[cfg(test)]
#[allow(dead_code)] // its `main`
#[path = "../build.rs"]
mod build_script;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_reads_back_and_a_damaged_one_is_ignored() {
        let dir = tempfile::TempDir::new().unwrap();
        let folder = CacheFolder::new(&dir.path().join("cache"));
        assert_eq!(folder.read("a"), None);
        folder.write("a", &[b"some ", b"contents"]).unwrap();
        assert!(std::fs::read_to_string(dir.path().join("cache/.gitignore"))
            .unwrap()
            .contains('*'));
        assert_eq!(folder.read("a").as_deref(), Some(&b"some contents"[..]));
        folder.write("empty", &[]).unwrap();
        assert_eq!(folder.read("empty").as_deref(), Some(&b""[..]));

        let path = dir.path().join("cache/a");
        let sealed = std::fs::read(&path).unwrap();
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        for damaged in [
            &sealed[..sealed.len() - 1],
            &sealed[..SEAL - 1],
            &flipped[..],
            b"",
            &sealed[SEAL..],
        ] {
            std::fs::write(&path, damaged).unwrap();
            assert_eq!(folder.read("a"), None, "{damaged:?} was trusted");
        }
    }

    /// A run killed while writing an entry leaves it behind; the next entry
    /// kept removes it once it is old enough not to be another run's.
    #[test]
    fn entries_whose_writing_was_abandoned_are_removed_when_old() {
        let dir = tempfile::TempDir::new().unwrap();
        let folder = CacheFolder::new(dir.path());
        let abandoned = folder.new_entry().unwrap().into_temp_path().keep().unwrap();
        let writing = folder.new_entry().unwrap().into_temp_path().keep().unwrap();
        let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&abandoned)
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();
        folder.write("a", &[b"contents"]).unwrap();
        assert!(!abandoned.exists(), "an abandoned entry is left");
        assert!(writing.exists(), "an entry still being written is removed");
        assert_eq!(folder.read("a").as_deref(), Some(&b"contents"[..]));
    }

    #[test]
    fn the_build_is_told_apart_by_the_sources_it_was_built_from() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let id = |root: &Path| super::build_script::source_id(root, super::build_script::SOURCES).unwrap();
        // This very build's id is that of the sources in the package now.
        assert_eq!(env!("TENANT_AUDIT_SOURCE_ID"), id(root));

        let dir = tempfile::TempDir::new().unwrap();
        let tree = dir.path();
        std::fs::create_dir_all(tree.join("src/extract")).unwrap();
        std::fs::write(tree.join("Cargo.toml"), "[package]\n").unwrap();
        std::fs::write(tree.join("src/main.rs"), "fn main() {}\n").unwrap();
        std::fs::write(tree.join("src/extract/query.scm"), "(call_expression)\n").unwrap();
        let first = id(tree);
        assert_eq!(first.len(), 32);
        assert_eq!(first, id(tree), "the same sources make the same id");

        type Change = (&'static str, fn(&Path));
        let changes: [Change; 4] = [
            ("one byte of a file", |t| {
                std::fs::write(t.join("src/main.rs"), "fn main() {}\r").unwrap()
            }),
            ("a file renamed", |t| {
                std::fs::rename(t.join("src/extract/query.scm"), t.join("src/extract/queries.scm")).unwrap()
            }),
            ("a file added", |t| std::fs::write(t.join("src/lib.rs"), "").unwrap()),
            ("a template added", |t| {
                std::fs::create_dir_all(t.join("templates")).unwrap();
                std::fs::write(t.join("templates/doc.md.tera"), "").unwrap()
            }),
        ];
        let mut seen = vec![first];
        for (what, change) in changes {
            change(tree);
            let now = id(tree);
            assert!(!seen.contains(&now), "{what} left the id as it was");
            seen.push(now);
        }
        // An editor's swap file is not a source.
        std::fs::write(tree.join("src/.main.rs.swp"), "x").unwrap();
        assert_eq!(id(tree), *seen.last().unwrap());
    }
}
