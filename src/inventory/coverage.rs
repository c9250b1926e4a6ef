//! The isolation-test areas declared under `coverage:`: which test files cover
//! each area, and which data-access paths its tests protect.

use globset::{GlobMatcher, GlobSet};

/// One area that needs a two-tenant isolation test.
#[derive(Debug, Clone)]
pub struct CoverageArea {
    /// What the area is (`Search and query`).
    pub name: String,
    /// Test-file globs as written, relative to the inventory's folder.
    pub tests: Vec<String>,
    /// The test-file globs, compiled.
    pub test_files: GlobSet,
    /// Path-id globs as written.
    pub protects: Vec<String>,
    /// The path-id globs, compiled one by one so that a glob matching no path
    /// can be reported.
    pub protected_paths: Vec<GlobMatcher>,
    /// 1-based line of the area in the inventory.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}
