//! How the `tenant-audit` binary allocates, beside its global allocator
//! (mimalloc): tree-sitter's C allocations go to mimalloc too, and memory
//! freed stays with the process. In the library so that the benchmark's
//! in-process figures are taken with the binary's settings.

use std::ffi::c_void;

/// `mi_option_purge_delay` in mimalloc.h (v2 and v3); libmimalloc-sys has no
/// constant for it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sends tree-sitter's allocations to mimalloc and keeps freed memory in the
/// process. Meant for a program whose global allocator is
/// `mimalloc::MiMalloc`, as the binary's is: the rest of its memory is then
/// kept the same way.
///
/// Freed memory is never given back to the OS: it was faulted in again at
/// once. While scanning, each thread frees one file's tree and allocates the
/// next file's; the render frees each section's values and builds the next
/// one's. Given back within 10 ms after the scan, a check of 100 MB of
/// sources took 35-50 ms longer, and one of 50 MB peaked at 216 MiB rather
/// than 240.
///
/// # Safety
///
/// Call it before any tree-sitter object (parser, tree, query) exists, so
/// that everything tree-sitter allocates is freed by the allocator that
/// allocated it.
pub unsafe fn configure() {
    // SAFETY: options may be set at any time; this one only changes when
    // free memory is given back.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    // SAFETY: no tree-sitter object exists yet (the caller's promise); the
    // functions never return null for a non-zero size (tree-sitter's rule).
    unsafe {
        tree_sitter::set_allocator(Some(tree_sitter::Allocator {
            malloc: parser_malloc,
            calloc: parser_calloc,
            realloc: parser_realloc,
            free: libmimalloc_sys::mi_free,
        }));
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
