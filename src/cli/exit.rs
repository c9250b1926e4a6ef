//! Process exit codes, in one place. A tool failure must never look like a
//! clean run, so failures to run are distinct from findings.

/// Everything checked out.
pub const SUCCESS: i32 = 0;
/// The gate failed: unclassified paths, stale entries, unknown tables or drift.
pub const FINDINGS: i32 = 1;
/// Bad usage, a bad inventory, or unreadable input: the run cannot be trusted.
pub const ERROR: i32 = 2;
