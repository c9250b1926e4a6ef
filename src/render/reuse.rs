//! The document an earlier run rendered, kept in the cache folder and reused
//! when nothing it depends on has changed: on a re-run over unchanged
//! sources, building tera's context and rendering were most of the time left.
//!
//! What a render gives depends only on the template, the template's
//! variables and this build of the tool (tera and the filters are built in),
//! so the entry is keyed by a SHA-256 of exactly those: the variables as
//! serde serialises them (postcard, field by field), not the inputs they are
//! built from. One entry is kept (the last render), so the folder grows by
//! one document at most.

use crate::cache_folder::{self, CacheFolder};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The entry's name in the cache folder.
const ENTRY: &str = "document.postcard";

#[derive(Serialize, Deserialize)]
struct Entry {
    key: String,
    document: String,
}

/// Where one render's document is looked up and kept.
pub(super) struct Reuse {
    folder: CacheFolder,
    key: String,
}

impl Reuse {
    /// The place of the document that `parts` of a template give for
    /// `variables`, in the cache folder at `dir`; `None` when the variables
    /// do not serialise field by field (then nothing is reused or kept).
    pub(super) fn new(dir: &Path, parts: &[&str], variables: &impl Serialize) -> Option<Self> {
        let mut hasher = Sha256::new();
        cache_folder::hash_build(&mut hasher);
        hasher.update(b"document\0");
        hasher.update(parts.len().to_le_bytes());
        for part in parts {
            hasher.update(part.len().to_le_bytes());
            hasher.update(part.as_bytes());
        }
        // Buffered: postcard writes each field apart, and hashing a few
        // bytes at a time costs more than copying them.
        let writer = std::io::BufWriter::with_capacity(64 * 1024, HashWriter(&mut hasher));
        let mut writer = postcard::to_io(variables, writer).ok()?;
        std::io::Write::flush(&mut writer).ok()?;
        drop(writer);
        Some(Reuse {
            folder: CacheFolder::new(dir),
            key: cache_folder::hex(&hasher.finalize()),
        })
    }

    /// The document kept for this key, if it is the one kept.
    pub(super) fn document(&self) -> Option<String> {
        let bytes = self.folder.read(ENTRY)?;
        let entry: Entry = postcard::from_bytes(&bytes).ok()?;
        (entry.key == self.key).then_some(entry.document)
    }

    /// Keeps `document` in place of the last one; failures only cost the
    /// next run a render.
    pub(super) fn keep(self, document: String) -> String {
        let entry = Entry {
            key: self.key,
            document,
        };
        if let Ok(bytes) = postcard::to_stdvec(&entry) {
            let _ = self.folder.write(ENTRY, &bytes);
        }
        entry.document
    }
}

/// Feeds what is written to a hasher.
struct HashWriter<'h>(&'h mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
