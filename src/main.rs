//! The `tenant-audit` binary: the command line over the library.

/// Most of a scan's allocations are tree-sitter's, many small and short-lived,
/// from two threads; mimalloc serves them in a fraction of glibc malloc's
/// instructions and keeps less memory resident (see README "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // SAFETY: set before the first tree-sitter object is made, so everything
    // tree-sitter allocates is freed by the allocator that allocated it.
    unsafe {
        tree_sitter::set_allocator(
            Some(libmimalloc_sys::mi_malloc),
            Some(libmimalloc_sys::mi_calloc),
            Some(libmimalloc_sys::mi_realloc),
            Some(libmimalloc_sys::mi_free),
        );
    }
    std::process::exit(tenant_audit::cli::main());
}
