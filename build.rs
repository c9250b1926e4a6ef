//! Gives the build an id made from the sources it is built from
//! (`TENANT_AUDIT_SOURCE_ID`). The cache of per-file results and of the last
//! document (`src/cache_folder.rs`) is keyed by it, so two builds that may
//! extract or render differently never share cached results, even when they
//! have one version, one executable size and one modification time (as
//! reproducible builds do, which fix every file's time).

use std::hash::Hasher;
use std::path::{Path, PathBuf};

/// What the id is made from, relative to the package's folder; a folder is
/// read whole (hidden files aside: editors' swap files are not the build).
pub const SOURCES: &[&str] = &["build.rs", "Cargo.toml", "Cargo.lock", "src", "templates"];

fn main() {
    let root = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&root);
    let files = match source_files(root, SOURCES) {
        Ok(files) => files,
        Err(message) => panic!("cannot make the build's id: {message}"),
    };
    // Each file hashed, not its folder: cargo would then also rebuild for a
    // file the id leaves out (an editor's swap file). A file added is built
    // only once an existing one refers to it, and that one is listed.
    for (name, _) in &files {
        println!("cargo:rerun-if-changed={name}");
    }
    match source_id_of(&files) {
        Ok(id) => println!("cargo:rustc-env=TENANT_AUDIT_SOURCE_ID={id}"),
        Err(message) => panic!("cannot make the build's id: {message}"),
    }
}

/// 128 bits, as 32 hex digits, of every file under `sources` (relative to
/// `root`; a missing one is left out): each file's path and contents, in
/// path order. Two SipHash streams keyed apart: the id only tells builds
/// apart, it guards nothing against an attacker, who could edit the cache
/// itself.
pub fn source_id(root: &Path, sources: &[&str]) -> Result<String, String> {
    source_id_of(&source_files(root, sources)?)
}

/// [`source_id`] of `files` (names and paths, as [`source_files`] lists them).
fn source_id_of(files: &[(String, PathBuf)]) -> Result<String, String> {
    let mut halves = [std::hash::DefaultHasher::new(), std::hash::DefaultHasher::new()];
    for (key, half) in halves.iter_mut().enumerate() {
        half.write_u8(key as u8);
    }
    for (name, path) in files {
        let contents = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        for half in &mut halves {
            // Fixed width and order: the script runs on the host, a test of
            // the id on the target.
            half.write_u64(name.len() as u64);
            half.write(name.as_bytes());
            half.write_u64(contents.len() as u64);
            half.write(&contents);
        }
    }
    Ok(format!("{:016x}{:016x}", halves[0].finish(), halves[1].finish()))
}

/// The files under `sources` (named as relative to `root`, `/` between
/// folders), in name order: regular files, and links to them; folders are
/// read whole, not through links (a link may lead back up).
fn source_files(root: &Path, sources: &[&str]) -> Result<Vec<(String, PathBuf)>, String> {
    let mut files = Vec::new();
    for source in sources {
        let path = root.join(source);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => list(&path, source, &mut files)?,
            Ok(_) if path.is_file() => files.push((source.to_string(), path)),
            _ => {}
        }
    }
    files.sort();
    Ok(files)
}

/// Adds the files under `dir` (named `name/...`) to `files`.
fn list(dir: &Path, name: &str, files: &mut Vec<(String, PathBuf)>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if file_name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let child = format!("{name}/{file_name}");
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => list(&path, &child, files)?,
            // A regular file, or a link to one; a dangling link is no source.
            Ok(_) if path.is_file() => files.push((child, path)),
            _ => {}
        }
    }
    Ok(())
}
