//! The `tenant-audit` binary: the command line over the library.

use std::ffi::c_void;

/// Most of a scan's allocations are tree-sitter's, many small and short-lived,
/// from two threads; mimalloc serves them in a fraction of glibc malloc's
/// instructions and keeps less memory resident (see README "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (v2 and v3); libmimalloc-sys has no
/// constant for it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Above this many source files, transparent huge pages are turned off.
const MANY_SOURCES: usize = 5_000;

fn main() {
    // Freed memory stays with the process, never given back to the OS: it
    // was faulted in again at once. While scanning, each thread frees one
    // file's tree and allocates the next file's; the render frees each
    // section's values and builds the next one's. Given back within 10 ms
    // after the scan, a check of 100 MB of sources took 35-50 ms longer,
    // and one of 50 MB peaked at 216 MiB rather than 240.
    // SAFETY: options may be set at any time; this one only changes when
    // free memory is given back.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    // SAFETY: set before the first tree-sitter object is made, so everything
    // tree-sitter allocates is freed by the allocator that allocated it; the
    // functions never return null for a non-zero size (tree-sitter's rule).
    unsafe {
        tree_sitter::set_allocator(Some(tree_sitter::Allocator {
            malloc: parser_malloc,
            calloc: parser_calloc,
            realloc: parser_realloc,
            free: libmimalloc_sys::mi_free,
        }));
    }
    let hooks = tenant_audit::cli::Hooks { listed: Some(listed) };
    exit_now(tenant_audit::cli::main_with(hooks));
}

/// Ends the process once standard output is flushed, as `std::process::exit`
/// does, but without the C library's exit handlers: mimalloc, linked in
/// statically, has one that frees every page of the main thread's heap
/// (30–60 ms at the end of a check of 100 MB of sources) only for the OS
/// to take the memory back anyway. Everything the run writes is written and
/// closed by now.
fn exit_now(code: i32) -> ! {
    #[cfg(unix)]
    {
        use std::io::Write as _;
        let _ = std::io::stdout().lock().flush();
        // SAFETY: ends the process; no exit handler runs, none is needed.
        unsafe { libc::_exit(code) }
    }
    #[cfg(not(unix))]
    std::process::exit(code)
}

/// Transparent huge pages off for a large repository: its check faults in
/// hundreds of MiB, and with huge pages the kernel zeroes and compacts 2 MiB
/// at a time (on 100 MB of sources, 0.4 s more system time, and up to 0.25 s
/// of wall time; the peak grows 4%). A small one gains from them: a re-run
/// over 300 unchanged files faults 290 pages instead of 2,440 (2-3 ms of
/// ~15), its first run 3-4% of its time. Best effort: a kernel without the
/// setting changes nothing.
fn listed(files: usize) {
    if files <= MANY_SOURCES {
        return;
    }
    // SAFETY: PR_SET_THP_DISABLE reads four unsigned longs and touches no memory.
    #[cfg(target_os = "linux")]
    unsafe {
        let (on, unused): (libc::c_ulong, libc::c_ulong) = (1, 0);
        libc::prctl(libc::PR_SET_THP_DISABLE, on, unused, unused, unused);
    }
}

/// Ends the process as Rust does when an allocation fails: tree-sitter's C
/// code does not check for null, and its own allocator aborts too.
fn out_of_memory(size: usize) -> ! {
    std::alloc::handle_alloc_error(
        std::alloc::Layout::from_size_align(size, 1).unwrap_or(std::alloc::Layout::new::<u8>()),
    )
}

/// `mi_malloc`, never null for a non-zero size.
unsafe extern "C" fn parser_malloc(size: usize) -> *mut c_void {
    // SAFETY: mi_malloc accepts any size.
    let block = unsafe { libmimalloc_sys::mi_malloc(size) };
    if block.is_null() && size != 0 {
        out_of_memory(size);
    }
    block
}

/// `mi_calloc`, never null for a non-zero size.
unsafe extern "C" fn parser_calloc(count: usize, size: usize) -> *mut c_void {
    // SAFETY: mi_calloc accepts any sizes and checks their product.
    let block = unsafe { libmimalloc_sys::mi_calloc(count, size) };
    if block.is_null() && count != 0 && size != 0 {
        out_of_memory(count.saturating_mul(size));
    }
    block
}

/// `mi_realloc`, never null for a non-zero size.
unsafe extern "C" fn parser_realloc(block: *mut c_void, size: usize) -> *mut c_void {
    // SAFETY: tree-sitter passes null or a block this allocator made.
    let moved = unsafe { libmimalloc_sys::mi_realloc(block, size) };
    if moved.is_null() && size != 0 {
        out_of_memory(size);
    }
    moved
}
