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
    // mimalloc v3 keeps freed memory for a second before returning it; a
    // check of a large repository frees the scan's memory and builds the
    // template context within that second, so both were resident at once.
    // 25 ms keeps the 50 MB check's peak near 275 MiB; shorter delays return
    // and re-fault tree-sitter's memory during the scan (10 ms cost 3 ms of
    // an 80 ms check of 2 MB, 25 ms about half that).
    // SAFETY: options may be set at any time; this one only changes when
    // free memory is given back.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 25) };
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
    std::process::exit(tenant_audit::cli::main());
}
