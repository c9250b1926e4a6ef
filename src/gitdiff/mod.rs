//! Pull-request mode: the audit of a base revision — its files read from the
//! git object database, never checked out — set against the audit of the
//! working tree. Paths are matched by their stable id, which has no line
//! numbers, so code that moved within its file is not "new".

mod compare;
mod snapshot;

pub use compare::{compare, ChangedPath, PathChanges};
pub use snapshot::{
    audit_revision, scan_working_tree, BaseInventory, RevisionAudit, SnapshotError, SourceOrigin, WorkingTreeScan,
};
