//! The `tenant-audit` binary: the command line over the library.

/// Most of a scan's allocations are tree-sitter's, many small and short-lived,
/// from two threads; mimalloc serves them in a fraction of glibc malloc's
/// instructions and keeps less memory resident (see README "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Above this many source files, transparent huge pages are turned off.
const MANY_SOURCES: usize = 5_000;

fn main() {
    // SAFETY: first thing in main, before any tree-sitter object exists.
    unsafe { tenant_audit::allocator::configure() };
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
