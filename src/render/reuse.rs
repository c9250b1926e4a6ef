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
    /// The entry found in the folder, whatever its key.
    kept: Option<Entry>,
}

impl Reuse {
    /// The place of the document that `parts` of a template give for
    /// `variables`, in the cache folder at `dir`; `None` when the variables
    /// do not serialise field by field (then nothing is reused or kept).
    /// The kept entry is read while the key is worked out.
    pub(super) fn new(dir: &Path, parts: &[&str], variables: &(impl Serialize + Sync)) -> Option<Self> {
        let folder = CacheFolder::new(dir);
        let (key, kept) = rayon::join(
            || key(parts, variables),
            || postcard::from_bytes::<Entry>(&folder.read(ENTRY)?).ok(),
        );
        Some(Reuse {
            folder,
            key: key?,
            kept,
        })
    }

    /// [`Reuse::new`] for a render that happens whatever the key: there is
    /// no document kept at `dir` to compare with (a first run), so only the
    /// key is worked out, for keeping this one.
    pub(super) fn for_keeping(dir: &Path, parts: &[&str], variables: &impl Serialize) -> Option<Self> {
        Some(Reuse {
            folder: CacheFolder::new(dir),
            key: key(parts, variables)?,
            kept: None,
        })
    }

    /// Whether the cache folder at `dir` keeps a document at all.
    pub(super) fn kept_in(dir: &Path) -> bool {
        CacheFolder::new(dir).holds(ENTRY)
    }

    /// The document kept for this key, if it is the one kept (another one
    /// is let go at once: on a large audit it is megabytes).
    pub(super) fn document(&mut self) -> Option<String> {
        let kept = self.kept.take()?;
        (kept.key == self.key).then_some(kept.document)
    }

    /// Keeps `document` in place of the last one; failures only cost the
    /// next run a render. Written as postcard writes an [`Entry`] (each
    /// string its length, then its bytes), the document from where it is.
    pub(super) fn keep(self, document: String) -> String {
        let (Ok(key), Ok(length)) = (postcard::to_stdvec(&self.key), postcard::to_stdvec(&document.len())) else {
            return document;
        };
        let _ = self.folder.write(ENTRY, &[&key, &length, document.as_bytes()]);
        document
    }
}

/// The key of the document that `parts` give for `variables`.
fn key(parts: &[&str], variables: &impl Serialize) -> Option<String> {
    let mut hasher = Sha256::new();
    cache_folder::hash_build(&mut hasher);
    hasher.update(b"document\0");
    hasher.update(parts.len().to_le_bytes());
    for part in parts {
        hasher.update(part.len().to_le_bytes());
        hasher.update(part.as_bytes());
    }
    let hasher = postcard::serialize_with_flavor(variables, Hashing::new(hasher)).ok()?;
    Some(cache_folder::hex(&hasher.finalize()))
}

/// A postcard output that hashes what is written, a buffer at a time
/// (postcard writes field by field, and hashing a few bytes at a time
/// costs more than copying them).
struct Hashing {
    hasher: Sha256,
    buffer: Box<[u8; 16 * 1024]>,
    filled: usize,
}

impl Hashing {
    fn new(hasher: Sha256) -> Self {
        Hashing {
            hasher,
            buffer: Box::new([0; 16 * 1024]),
            filled: 0,
        }
    }

    fn flush(&mut self) {
        self.hasher.update(&self.buffer[..self.filled]);
        self.filled = 0;
    }
}

impl postcard::ser_flavors::Flavor for Hashing {
    type Output = Sha256;

    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        if self.filled == self.buffer.len() {
            self.flush();
        }
        self.buffer[self.filled] = byte;
        self.filled += 1;
        Ok(())
    }

    fn try_extend(&mut self, bytes: &[u8]) -> postcard::Result<()> {
        if bytes.len() > self.buffer.len() - self.filled {
            self.flush();
            if bytes.len() > self.buffer.len() {
                self.hasher.update(bytes);
                return Ok(());
            }
        }
        self.buffer[self.filled..self.filled + bytes.len()].copy_from_slice(bytes);
        self.filled += bytes.len();
        Ok(())
    }

    fn finalize(mut self) -> postcard::Result<Sha256> {
        self.flush();
        Ok(self.hasher)
    }
}
