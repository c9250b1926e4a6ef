//! tenant-audit finds every data-access path in a multi-tenant TypeScript
//! backend, decides from the code whether each is scoped to its tenant, merges
//! that with the team's hand-curated `inventory.yaml`, renders the audit
//! document, and gates CI on the result.
//!
//! The modules are the pipeline, and data flows one way through them:
//! [`extract`] → [`scope`] → [`inventory`] → [`render`] → [`cli`].
//!
//! Beside the pipeline: [`repo`] reads the git repository (tracked files, a
//! revision's tree), [`gitdiff`] compares the audit of a base revision with
//! the working tree's, [`coverage`] reads the isolation tests, [`init`]
//! drafts an inventory for a repository the tool has never seen,
//! [`cache_folder`] keeps results for the next run, and [`allocator`] sets
//! how the binary allocates.

pub mod allocator;
pub mod cache_folder;
pub mod cli;
pub mod coverage;
pub mod extract;
pub mod gitdiff;
pub mod init;
pub mod inventory;
pub mod model;
pub mod render;
pub mod repo;
pub mod scope;

/// Frees `value` on a worker thread while the caller goes on: on 100 MB of
/// sources, freeing the audit takes some 60 ms and a template context about
/// a tenth of a second, and whoever hands them over is done with them.
pub(crate) fn free_in_background<T: Send + 'static>(value: T) {
    rayon::spawn(move || drop(value));
}
