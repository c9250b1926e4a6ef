//! A content-addressed cache of per-file extraction results, so that a re-run
//! over unchanged sources parses nothing. A result is keyed by a SHA-256 of
//! the tool's build, the extraction rules, the file's path, dialect and
//! bytes, and sealed with a SHA-256 of its encoding: a foreign, stale or
//! damaged result is ignored, never trusted.
//!
//! The results of a run are kept in one file, `results.pack`, holding those
//! of the files that run scanned, so the cache stays the size of one run's
//! results and a run writes one file, not one per source file (on 100 MB of
//! sources, creating 11,000 files cost 0.7 s, and several seconds when many
//! files had just been deleted). A run that changes nothing writes nothing.
//! Results are postcard, a compact binary serde format: JSON took a third of
//! a warm scan's time.
//!
//! The file: `MAGIC`, the 32-byte hash of the build and rules, then for each
//! result its key (32 bytes), its seal (32 bytes), its length (8 bytes, little
//! endian) and its encoding.

use super::rules::ExtractRules;
use super::syntax::Dialect;
use super::FileExtraction;
use crate::cache_folder::{self, CacheFolder, SEAL};
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::ops::Range;
use std::path::Path;
use std::sync::Mutex;

/// The results file's name in the cache folder.
const PACK: &str = "results.pack";

/// What a results file starts with (the format's version is its last byte).
const MAGIC: &[u8; 8] = b"TA-PACK1";

type Key = [u8; 32];

/// Where a kept result is in the results file: its seal and its encoding.
#[derive(Clone)]
struct Place {
    seal: Range<usize>,
    encoding: Range<usize>,
}

/// The per-file results an earlier run kept, and those of this run, for
/// one set of rules.
pub struct ResultCache {
    folder: CacheFolder,
    /// Hash of what, besides the file, decides its extraction.
    context: Key,
    /// The results file as read.
    pack: Vec<u8>,
    /// Where in `pack` each kept result is.
    kept: FxHashMap<Key, Place>,
    /// This run's results, for the next run.
    this_run: Mutex<ThisRun>,
}

#[derive(Default)]
struct ThisRun {
    /// Kept results this run found again.
    found: Vec<Key>,
    /// The results file being written: with the results this run extracted,
    /// once it has extracted one.
    written: Option<std::io::BufWriter<tempfile::NamedTempFile>>,
    /// Writing the file failed: nothing is kept.
    failed: bool,
}

impl ResultCache {
    /// The cache in `dir` for `rules`, with the results an earlier run kept
    /// there (none when the folder or file is missing, damaged, or from
    /// another build or other rules).
    pub fn open(dir: &Path, rules: &ExtractRules) -> Self {
        let mut hasher = Sha256::new();
        cache_folder::hash_build(&mut hasher);
        // Debug output of plain data is deterministic for one build.
        hasher.update(format!("{rules:?}").as_bytes());
        let folder = CacheFolder::new(dir);
        let context: Key = hasher.finalize().into();
        let pack = folder.read_unsealed(PACK).unwrap_or_default();
        let kept = index(&pack, &context).unwrap_or_default();
        ResultCache {
            folder,
            context,
            pack,
            kept,
            this_run: Mutex::default(),
        }
    }

    fn key(&self, file: &str, dialect: Dialect, source: &[u8]) -> Key {
        let mut hasher = Sha256::new();
        hasher.update(self.context);
        hasher.update(file.as_bytes());
        hasher.update(b"\0");
        hasher.update(format!("{dialect:?}").as_bytes());
        hasher.update(b"\0");
        hasher.update(source);
        hasher.finalize().into()
    }

    /// Whether an earlier run kept results that this one may use.
    pub fn is_filled(&self) -> bool {
        !self.kept.is_empty()
    }

    /// This exact file's place in the cache, to look its results up and to
    /// keep them: its key is worked out once for both.
    pub fn entry(&self, file: &str, dialect: Dialect, source: &[u8]) -> CacheEntry<'_> {
        CacheEntry {
            cache: self,
            key: self.key(file, dialect, source),
        }
    }

    /// Keeps this run's results for the next run, in place of the last
    /// run's: unless they are the same, or writing failed.
    pub fn save(self) {
        let this_run = self
            .this_run
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if this_run.failed || (this_run.written.is_none() && this_run.found.len() == self.kept.len()) {
            return;
        }
        let written = this_run
            .written
            .map_or_else(|| start_pack(&self.folder, &self.context), Ok);
        let kept = written.and_then(|mut written| {
            for key in &this_run.found {
                let place = &self.kept[key];
                let (seal, encoding) = (&self.pack[place.seal.clone()], &self.pack[place.encoding.clone()]);
                write_result(&mut written, key, seal, encoding)?;
            }
            let written = written.into_inner().map_err(|e| e.into_error())?;
            self.folder.keep(written, PACK)
        });
        if kept.is_ok() {
            // Earlier versions kept one file per result.
            let old_entry = |name: &str| {
                let (stem, extension) = name.rsplit_once('.').unwrap_or_default();
                stem.len() == 64
                    && stem.bytes().all(|b| b.is_ascii_hexdigit())
                    && matches!(extension, "json" | "postcard")
            };
            self.folder.remove(old_entry, None);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ThisRun> {
        self.this_run.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One file's place in a [`ResultCache`] (see [`ResultCache::entry`]).
pub struct CacheEntry<'c> {
    cache: &'c ResultCache,
    key: Key,
}

impl CacheEntry<'_> {
    /// The kept extraction of the file, if any.
    pub fn get(&self) -> Option<FileExtraction> {
        let cache = self.cache;
        let place = cache.kept.get(&self.key)?;
        let encoding = &cache.pack[place.encoding.clone()];
        if cache_folder::seal(encoding) != cache.pack[place.seal.clone()] {
            return None;
        }
        let extraction = postcard::from_bytes(encoding).ok()?;
        cache.lock().found.push(self.key);
        Some(extraction)
    }

    /// Adds the file's extraction to what this run keeps; failures only
    /// cost the next run a parse.
    pub fn put(self, extraction: &FileExtraction) {
        let cache = self.cache;
        let Ok(encoding) = postcard::to_stdvec(extraction) else {
            return;
        };
        let seal = cache_folder::seal(&encoding);
        let mut this_run = cache.lock();
        if this_run.failed {
            return;
        }
        let written = this_run.written.take();
        let written = written.map_or_else(|| start_pack(&cache.folder, &cache.context), Ok);
        let written = written.and_then(|mut written| {
            write_result(&mut written, &self.key, &seal, &encoding)?;
            Ok(written)
        });
        match written {
            Ok(written) => this_run.written = Some(written),
            Err(_) => this_run.failed = true,
        }
    }
}

/// A new results file in `folder`, its header written.
fn start_pack(folder: &CacheFolder, context: &Key) -> std::io::Result<std::io::BufWriter<tempfile::NamedTempFile>> {
    let mut written = std::io::BufWriter::with_capacity(64 * 1024, folder.new_entry()?);
    written.write_all(MAGIC)?;
    written.write_all(context)?;
    Ok(written)
}

fn write_result(written: &mut impl Write, key: &[u8], seal: &[u8], encoding: &[u8]) -> std::io::Result<()> {
    written.write_all(key)?;
    written.write_all(seal)?;
    written.write_all(&(encoding.len() as u64).to_le_bytes())?;
    written.write_all(encoding)
}

/// Where each result of a results file for `context` is; `None` for a file
/// of another format, build or rules, or one cut short.
fn index(pack: &[u8], context: &Key) -> Option<FxHashMap<Key, Place>> {
    let mut cursor = Cursor { pack, at: 0 };
    if cursor.bytes(MAGIC.len())? != MAGIC || cursor.bytes(context.len())? != context {
        return None;
    }
    let mut kept = FxHashMap::default();
    while cursor.at < pack.len() {
        let key: Key = cursor.bytes(32)?.try_into().ok()?;
        let seal = cursor.take(SEAL)?;
        let length = u64::from_le_bytes(cursor.bytes(8)?.try_into().ok()?);
        let encoding = cursor.take(usize::try_from(length).ok()?)?;
        kept.insert(key, Place { seal, encoding });
    }
    Some(kept)
}

/// Reads a results file front to back.
struct Cursor<'p> {
    pack: &'p [u8],
    at: usize,
}

impl<'p> Cursor<'p> {
    /// The range of the next `length` bytes, if the file holds them.
    fn take(&mut self, length: usize) -> Option<Range<usize>> {
        let end = self.at.checked_add(length).filter(|end| *end <= self.pack.len())?;
        let range = self.at..end;
        self.at = end;
        Some(range)
    }

    fn bytes(&mut self, length: usize) -> Option<&'p [u8]> {
        let range = self.take(length)?;
        Some(&self.pack[range])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of the example and the fixtures, as the scan extracts it.
    fn extractions() -> Vec<(String, Dialect, Vec<u8>, FileExtraction)> {
        super::super::example_and_fixture_files()
            .into_iter()
            .map(|(file, dialect, source)| {
                let extraction = super::super::extract_file(&source, &file, dialect, &ExtractRules::default());
                (file, dialect, source, extraction)
            })
            .collect()
    }

    fn open(dir: &Path) -> ResultCache {
        ResultCache::open(dir, &ExtractRules::default())
    }

    #[test]
    fn a_result_reads_back_in_the_next_run_as_it_was_extracted() {
        let dir = tempfile::TempDir::new().unwrap();
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

        let first = open(dir.path());
        assert!(!first.is_filled());
        for (file, dialect, source, extraction) in &files {
            assert!(
                first.entry(file, *dialect, source).get().is_none(),
                "{file}: found before it was kept"
            );
            first.entry(file, *dialect, source).put(extraction);
        }
        first.save();
        assert!(std::fs::read_to_string(dir.path().join(".gitignore"))
            .unwrap()
            .contains('*'));

        let second = open(dir.path());
        assert!(second.is_filled());
        for (file, dialect, source, extraction) in &files {
            let read = second
                .entry(file, *dialect, source)
                .get()
                .unwrap_or_else(|| panic!("{file}: not read back"));
            assert_eq!(format!("{read:?}"), format!("{extraction:?}"), "{file}");
        }
    }

    #[test]
    fn a_result_is_found_only_for_the_same_file_dialect_bytes_and_rules() {
        let dir = tempfile::TempDir::new().unwrap();
        let (file, dialect, source, extraction) = extractions().swap_remove(0);
        let first = open(dir.path());
        first.entry(&file, dialect, &source).put(&extraction);
        first.save();
        let cache = open(dir.path());
        let mut edited = source.clone();
        edited.push(b'\n');
        assert!(cache.entry(&file, dialect, &edited).get().is_none());
        assert!(cache.entry("src/elsewhere.ts", dialect, &source).get().is_none());
        let other = if dialect == Dialect::Tsx {
            Dialect::TypeScript
        } else {
            Dialect::Tsx
        };
        assert!(cache.entry(&file, other, &source).get().is_none());
        let rules = ExtractRules {
            cache_clients: vec!["another".into()],
            ..ExtractRules::default()
        };
        assert!(!ResultCache::open(dir.path(), &rules).is_filled());
        assert!(cache.entry(&file, dialect, &source).get().is_some());
    }

    /// What the file holds after a run: the results of the files it scanned.
    #[test]
    fn a_run_keeps_its_own_files_results_and_writes_nothing_when_nothing_changed() {
        let dir = tempfile::TempDir::new().unwrap();
        let files = extractions();
        let [(a, a_dialect, a_source, a_extraction), (b, b_dialect, b_source, b_extraction), (c, c_dialect, c_source, c_extraction), ..] =
            &files[..]
        else {
            panic!("three files at least");
        };
        let first = open(dir.path());
        first.entry(a, *a_dialect, a_source).put(a_extraction);
        first.entry(b, *b_dialect, b_source).put(b_extraction);
        first.save();

        // A run that finds a and extracts c: b was not scanned, so it is not kept.
        let second = open(dir.path());
        assert!(second.entry(a, *a_dialect, a_source).get().is_some());
        second.entry(c, *c_dialect, c_source).put(c_extraction);
        second.save();
        let third = open(dir.path());
        assert!(third.entry(a, *a_dialect, a_source).get().is_some());
        assert!(third.entry(c, *c_dialect, c_source).get().is_some());
        assert!(third.entry(b, *b_dialect, b_source).get().is_none());

        // Finding everything again changes nothing: the file is left as it is
        // (a rewrite would be a new file, renamed over it).
        let pack = dir.path().join(PACK);
        let identity = || {
            let metadata = std::fs::metadata(&pack).unwrap();
            #[cfg(unix)]
            let file = std::os::unix::fs::MetadataExt::ino(&metadata);
            #[cfg(not(unix))]
            let file = 0;
            (file, metadata.modified().unwrap())
        };
        let before = identity();
        third.save();
        assert_eq!(identity(), before);
        // Finding less is a change.
        let fourth = open(dir.path());
        assert!(fourth.entry(a, *a_dialect, a_source).get().is_some());
        fourth.save();
        let fifth = open(dir.path());
        assert!(fifth.entry(a, *a_dialect, a_source).get().is_some());
        assert!(fifth.entry(c, *c_dialect, c_source).get().is_none());
    }

    #[test]
    fn a_damaged_results_file_or_result_is_ignored() {
        let dir = tempfile::TempDir::new().unwrap();
        let files = extractions();
        let first = open(dir.path());
        for (file, dialect, source, extraction) in &files[..2] {
            first.entry(file, *dialect, source).put(extraction);
        }
        first.save();
        let pack = dir.path().join(PACK);
        let intact = std::fs::read(&pack).unwrap();
        let found = |dir: &Path| {
            let cache = open(dir);
            files[..2]
                .iter()
                .filter(|(file, dialect, source, _)| cache.entry(file, *dialect, source).get().is_some())
                .count()
        };
        assert_eq!(found(dir.path()), 2);

        // A byte of the last result's encoding flipped: that result fails its seal.
        let mut flipped = intact.clone();
        *flipped.last_mut().unwrap() ^= 0x40;
        std::fs::write(&pack, &flipped).unwrap();
        assert_eq!(found(dir.path()), 1);
        // Cut short, of another format, empty, or garbage: nothing is trusted.
        let mut other_format = intact.clone();
        other_format[MAGIC.len() - 1] ^= 1;
        for damaged in [
            &intact[..intact.len() - 1],
            &other_format[..],
            b"",
            b"TA-PACK1 and garbage",
        ] {
            std::fs::write(&pack, damaged).unwrap();
            assert_eq!(found(dir.path()), 0, "{:?}", &damaged[..damaged.len().min(12)]);
        }
    }

    #[test]
    fn writing_the_results_file_removes_the_files_of_earlier_versions() {
        let dir = tempfile::TempDir::new().unwrap();
        let old = format!("{}.json", "ab".repeat(32));
        let older = format!("{}.postcard", "0f".repeat(32));
        for name in [&old, &older, &"notes.json".to_string()] {
            std::fs::write(dir.path().join(name), "{}").unwrap();
        }
        let (file, dialect, source, extraction) = extractions().swap_remove(0);
        let cache = open(dir.path());
        cache.entry(&file, dialect, &source).put(&extraction);
        cache.save();
        assert!(!dir.path().join(old).exists() && !dir.path().join(older).exists());
        assert!(dir.path().join("notes.json").exists() && dir.path().join(PACK).exists());
    }
}
