//! The `tenant-audit` binary: the command line over the library.

/// Most of a scan's allocations are tree-sitter's, many small and short-lived,
/// from two threads; mimalloc serves them in a fraction of glibc malloc's
/// instructions and keeps less memory resident (see README "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (v2 and v3); libmimalloc-sys has no
/// constant for it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // Transparent huge pages off for this process: a check of a large
    // repository faults in hundreds of MiB, and with huge pages the kernel
    // zeroes and compacts 2 MiB at a time (0.4 s of system time on 100 MB of
    // sources, 0.25 s of wall time); a small repository pays ~2 ms for the
    // extra small-page faults.
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    // While scanning, each thread frees one file's tree and allocates the
    // next file's: freed memory given back to the OS was faulted in again
    // at once. It is kept until the scan is over (see `scanned`).
    // SAFETY: options may be set at any time; this one only changes when
    // free memory is given back.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    // SAFETY: set before the first tree-sitter object is made, so everything
    // tree-sitter allocates is freed by the allocator that allocated it.
    unsafe {
        tree_sitter::set_allocator(Some(tree_sitter::Allocator {
            malloc: libmimalloc_sys::mi_malloc,
            calloc: libmimalloc_sys::mi_calloc,
            realloc: libmimalloc_sys::mi_realloc,
            free: libmimalloc_sys::mi_free,
        }));
    }
    let hooks = tenant_audit::cli::Hooks { scanned: Some(scanned) };
    std::process::exit(tenant_audit::cli::main_with(hooks));
}

/// Once the scan is over, freed memory goes back to the OS within 10 ms:
/// the merge and the render then build the document's context while the
/// scan's memory is released, not on top of it (a check of 50 MB of sources
/// peaks at ~270 MiB so; never giving memory back, at 290–310 MiB).
fn scanned() {
    // SAFETY: as above.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10) };
}
