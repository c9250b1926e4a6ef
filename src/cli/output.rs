//! Writing the document: atomically, so a reader (or a crash, or Ctrl-C) sees
//! the old file or the new one, never half of one, and no temporary file is
//! left behind.

use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `contents` to `path` through a temporary file in the same folder,
/// synced and renamed over the target. Creates missing parent folders.
///
/// A symbolic link at `path` is written through (the file it names is
/// replaced); anything else that is not a regular file (a folder, a device)
/// is refused rather than replaced. The document keeps its permissions. When
/// the process is interrupted (SIGINT, SIGTERM, SIGHUP) while the temporary
/// file exists, it is removed before the process ends.
pub fn write_atomically(path: &Path, contents: &str) -> Result<()> {
    let target = resolve_target(path)?;
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("cannot create folder {}", parent.display()))?;
    let existing = std::fs::metadata(&target).ok();

    let temp = TempFile::new(parent);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp.path)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    if let Some(existing) = &existing {
        // A new file would get default permissions; the document keeps its own.
        file.set_permissions(existing.permissions())
            .with_context(|| format!("cannot write in {}", parent.display()))?;
    }
    file.write_all(contents.as_bytes())
        .and_then(|_| file.sync_all())
        .with_context(|| format!("cannot write {}", target.display()))?;
    drop(file);
    std::fs::rename(&temp.path, &target).with_context(|| format!("cannot replace {}", target.display()))?;
    temp.persisted();
    // Make the rename itself durable; a failure here loses nothing already written.
    if let Ok(folder) = std::fs::File::open(parent) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// The file to replace for `path`: the path itself, or what a symbolic link
/// there names. Errors when that exists and is not a regular file.
fn resolve_target(path: &Path) -> Result<PathBuf> {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return Ok(path.to_path_buf()); // nothing there yet
    };
    let target = if metadata.file_type().is_symlink() {
        std::fs::canonicalize(path).with_context(|| {
            format!(
                "{} is a symbolic link that cannot be resolved; fix it or pass another --out",
                path.display()
            )
        })?
    } else {
        path.to_path_buf()
    };
    match std::fs::metadata(&target) {
        Ok(metadata) if !metadata.is_file() => bail!(
            "{} exists and is not a regular file; it is not replaced: pass another --out or `output:`",
            path.display()
        ),
        _ => Ok(target),
    }
}

/// The temporary file a write goes through: removed when dropped unless
/// renamed into place, and removed by the interrupt handler meanwhile.
struct TempFile {
    path: PathBuf,
    done: bool,
    #[cfg(unix)]
    _cleanup: interrupt::CleanUp,
}

impl TempFile {
    /// A fresh name in `folder` (not yet created), registered for clean-up.
    fn new(folder: &Path) -> TempFile {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            ".tenant-audit-{}-{}.tmp",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        );
        let path = folder.join(name);
        TempFile {
            #[cfg(unix)]
            _cleanup: interrupt::CleanUp::register(&path),
            path,
            done: false,
        }
    }

    /// The file was renamed into place: nothing to clean up.
    fn persisted(mut self) {
        self.done = true;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Removing the temporary file when the process is interrupted. The standard
/// library has no signal API and the crate takes no dependency for one, so
/// the three C functions needed (all async-signal-safe) are declared here;
/// std links the C library they come from on every Unix.
#[cfg(unix)]
mod interrupt {
    use std::ffi::{c_char, c_int, CString};
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;
    use std::ptr;
    use std::sync::atomic::{AtomicPtr, Ordering};

    extern "C" {
        fn signal(signum: c_int, handler: usize) -> usize;
        fn raise(signum: c_int) -> c_int;
        fn unlink(path: *const c_char) -> c_int;
    }

    /// The same numbers on Linux, the BSDs and macOS.
    const SIGNALS: [c_int; 3] = [1 /* SIGHUP */, 2 /* SIGINT */, 15 /* SIGTERM */];
    const SIG_DFL: usize = 0;
    const SIG_IGN: usize = 1;
    const SIG_ERR: usize = usize::MAX;

    /// The temporary file to remove on a signal, as a C string; whoever swaps
    /// it out of here owns it, so the handler and [`CleanUp`]'s drop never
    /// both use it. One slot: the CLI writes one file at a time (a second
    /// concurrent registration would take over the slot).
    static PENDING: AtomicPtr<c_char> = AtomicPtr::new(ptr::null_mut());

    /// While alive: a signal removes the registered file, then ends the
    /// process as the signal would have.
    pub struct CleanUp {
        previous: Vec<(c_int, usize)>,
    }

    impl CleanUp {
        /// Registers `path` (before it is created, so there is no moment
        /// when it exists unregistered) and installs the handler.
        pub fn register(path: &Path) -> CleanUp {
            let Ok(name) = CString::new(path.as_os_str().as_bytes()) else {
                return CleanUp { previous: Vec::new() };
            };
            let old = PENDING.swap(name.into_raw(), Ordering::SeqCst);
            free(old);
            let mut previous = Vec::new();
            for signum in SIGNALS {
                // SAFETY: `on_signal` has the signature `signal` expects and
                // only calls async-signal-safe functions.
                let before = unsafe { signal(signum, on_signal as extern "C" fn(c_int) as usize) };
                match before {
                    SIG_ERR => {}
                    // An ignored signal (`nohup`, a background job) stays ignored.
                    SIG_IGN => unsafe {
                        signal(signum, SIG_IGN);
                    },
                    before => previous.push((signum, before)),
                }
            }
            CleanUp { previous }
        }
    }

    impl Drop for CleanUp {
        fn drop(&mut self) {
            for (signum, before) in self.previous.drain(..) {
                // SAFETY: restores the disposition `signal` returned earlier.
                unsafe {
                    signal(signum, before);
                }
            }
            free(PENDING.swap(ptr::null_mut(), Ordering::SeqCst));
        }
    }

    fn free(name: *mut c_char) {
        if !name.is_null() {
            // SAFETY: every non-null pointer stored in PENDING came from
            // `CString::into_raw`, and swapping it out made it ours alone.
            drop(unsafe { CString::from_raw(name) });
        }
    }

    /// Removes the registered file, if any; what the handler does first.
    pub fn remove_pending() {
        let name = PENDING.swap(ptr::null_mut(), Ordering::SeqCst);
        if !name.is_null() {
            // SAFETY: a valid C string (see `free`); it is leaked, as the
            // process is about to end and freeing is not async-signal-safe.
            unsafe {
                unlink(name);
            }
        }
    }

    extern "C" fn on_signal(signum: c_int) {
        remove_pending();
        // SAFETY: both are async-signal-safe. The signal is blocked while its
        // handler runs, so the re-raised one ends the process on return,
        // with the status a shell expects from Ctrl-C.
        unsafe {
            signal(signum, SIG_DFL);
            raise(signum);
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::cli::output::SERIAL;

        #[test]
        fn an_interrupt_removes_the_temporary_file_and_ends_the_process_as_the_signal_would() {
            let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
            let folder = tempfile::tempdir().unwrap();
            let path = folder.path().join(".tenant-audit-test.tmp");
            std::fs::write(&path, "half a document").unwrap();
            let cleanup = CleanUp::register(&path);
            // SAFETY: the child only raises a signal and exits, both
            // async-signal-safe, as is all the handler does.
            let child = unsafe { libc::fork() };
            if child == 0 {
                unsafe {
                    libc::raise(libc::SIGINT);
                    libc::_exit(0);
                }
            }
            let mut status = 0;
            // SAFETY: waits for the child just forked.
            unsafe { libc::waitpid(child, &mut status, 0) };
            drop(cleanup);
            assert!(
                libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGINT,
                "the child ends by SIGINT, not by exiting (status {status})"
            );
            assert!(!path.exists(), "the temporary file is removed");
        }

        #[test]
        fn the_handler_removes_the_registered_file() {
            let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
            let folder = tempfile::tempdir().unwrap();
            let path = folder.path().join(".tenant-audit-test.tmp");
            let cleanup = CleanUp::register(&path);
            std::fs::write(&path, "half a document").unwrap();
            remove_pending();
            assert!(!path.exists(), "the temporary file is removed");
            drop(cleanup);
            // Nothing is registered any more: a second call removes nothing.
            std::fs::write(&path, "another").unwrap();
            remove_pending();
            assert!(path.exists());
        }
    }
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

/// The interrupt registration is process-wide: tests that write take turns.
#[cfg(test)]
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[cfg(test)]
mod tests {
    use super::*;

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn temporary_files(folder: &Path) -> Vec<String> {
        std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".tenant-audit-"))
            .collect()
    }

    #[test]
    fn writing_replaces_the_document_and_leaves_no_temporary_file() {
        let _serial = serial();
        let folder = tempfile::tempdir().unwrap();
        let doc = folder.path().join("docs/audit.md");
        write_atomically(&doc, "old\n").unwrap();
        write_atomically(&doc, "new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&doc).unwrap(), "new\n");
        assert!(temporary_files(&folder.path().join("docs")).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn the_document_keeps_its_permissions() {
        let _serial = serial();
        use std::os::unix::fs::PermissionsExt;
        let folder = tempfile::tempdir().unwrap();
        let doc = folder.path().join("audit.md");
        std::fs::write(&doc, "old\n").unwrap();
        std::fs::set_permissions(&doc, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&doc, "new\n").unwrap();
        let mode = std::fs::metadata(&doc).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_written_through_not_replaced() {
        let _serial = serial();
        let folder = tempfile::tempdir().unwrap();
        let real = folder.path().join("real.md");
        let link = folder.path().join("audit.md");
        std::fs::write(&real, "old\n").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomically(&link, "new\n").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new\n");
    }

    #[test]
    fn a_folder_or_device_in_the_way_is_refused_not_replaced() {
        let _serial = serial();
        let folder = tempfile::tempdir().unwrap();
        let error = write_atomically(folder.path(), "new\n").unwrap_err();
        assert!(format!("{error:#}").contains("is not a regular file"), "{error:#}");
        #[cfg(unix)]
        {
            let error = write_atomically(Path::new("/dev/null"), "new\n").unwrap_err();
            assert!(format!("{error:#}").contains("is not a regular file"), "{error:#}");
        }
    }
}
