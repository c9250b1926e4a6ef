//! The isolation-test coverage matrix: for each area the inventory declares
//! under `coverage:`, the two-tenant tests that cover it — test names read
//! from the files its globs match — or why it is missing.

mod titles;

pub use titles::{test_cases, TestCase};

use crate::inventory::{Audit, CoverageArea, Finding, FindingCode, Inventory, Severity};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The files test globs are matched against.
#[derive(Debug, Clone)]
pub enum TestFiles {
    /// Files tracked in git, relative to the inventory's folder: CI sees
    /// exactly these, so a test written but not yet added does not count.
    Tracked(Vec<String>),
    /// Outside git: the inventory's folder, walked honouring `.gitignore`.
    Folder(PathBuf),
}

/// Why coverage could not be assessed.
#[derive(Debug, thiserror::Error)]
pub enum CoverageError {
    /// A test file could not be read.
    #[error("cannot read test file {file}: {source}")]
    Read {
        /// The file, relative to the inventory's folder.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A folder could not be listed.
    #[error("cannot list test files under {folder}: {message}")]
    Walk {
        /// The folder.
        folder: String,
        /// What went wrong.
        message: String,
    },
}

/// Every declared area, in inventory order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CoverageMatrix {
    /// One entry per area.
    pub areas: Vec<AreaCoverage>,
}

/// One area and what covers it.
#[derive(Debug, Clone, Serialize)]
pub struct AreaCoverage {
    /// The area's name.
    pub name: String,
    /// Covered, or missing and why.
    pub status: AreaStatus,
    /// The test globs as written.
    pub globs: Vec<String>,
    /// Test files the globs match, relative to the inventory's folder.
    pub files: Vec<String>,
    /// Tests that run.
    pub tests: Vec<TestName>,
    /// Tests declared but skipped (`it.skip`, `it.todo`, ...); they cover nothing.
    pub skipped: Vec<TestName>,
    /// The `protects` globs, each with the number of paths it matches.
    pub protects: Vec<ProtectedPaths>,
    /// 1-based line of the area in the inventory.
    #[serde(skip)]
    pub line: usize,
    /// 1-based column.
    #[serde(skip)]
    pub column: usize,
}

/// A test, for reports.
#[derive(Debug, Clone, Serialize)]
pub struct TestName {
    /// File, relative to the inventory's folder.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// Its titles, outermost first, joined by ` › `.
    pub name: String,
}

/// One `protects` glob and the paths it matches.
#[derive(Debug, Clone, Serialize)]
pub struct ProtectedPaths {
    /// The glob as written.
    pub glob: String,
    /// How many of the audited paths it matches.
    pub paths: usize,
}

/// Whether an area is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AreaStatus {
    /// At least one test runs.
    Covered,
    /// The area lists no test glob.
    NoTestGlobs,
    /// No file matches its globs.
    NoFiles,
    /// Files match, but they declare no test.
    NoTests,
    /// Every test declared is skipped.
    OnlySkipped,
}

impl AreaStatus {
    /// Whether the area has a test that runs.
    pub fn is_covered(self) -> bool {
        self == AreaStatus::Covered
    }

    /// Why an area is missing, for people; `covered` otherwise.
    pub fn describe(self) -> &'static str {
        match self {
            AreaStatus::Covered => "covered",
            AreaStatus::NoTestGlobs => "no test files are listed for it",
            AreaStatus::NoFiles => "no file matches its test globs",
            AreaStatus::NoTests => "its test files declare no test",
            AreaStatus::OnlySkipped => "every test in its files is skipped",
        }
    }
}

/// Assesses every area of `inventory` against the files in `files`, counting
/// the audited paths each `protects` glob matches.
pub fn assess(inventory: &Inventory, audit: &Audit, files: &TestFiles) -> Result<CoverageMatrix, CoverageError> {
    let mut areas = Vec::new();
    for area in &inventory.coverage {
        let matched = matching_files(area, files)?;
        let mut tests = Vec::new();
        let mut skipped = Vec::new();
        for file in &matched {
            let path = inventory.base.join(file);
            let bytes = std::fs::read(&path).map_err(|source| CoverageError::Read {
                file: file.clone(),
                source,
            })?;
            for case in test_cases(&String::from_utf8_lossy(&bytes), file) {
                let name = TestName {
                    file: case.file,
                    line: case.line,
                    name: case.name,
                };
                if case.skipped {
                    skipped.push(name);
                } else {
                    tests.push(name);
                }
            }
        }
        let status = if area.tests.is_empty() {
            AreaStatus::NoTestGlobs
        } else if matched.is_empty() {
            AreaStatus::NoFiles
        } else if !tests.is_empty() {
            AreaStatus::Covered
        } else if !skipped.is_empty() {
            AreaStatus::OnlySkipped
        } else {
            AreaStatus::NoTests
        };
        let protects = area
            .protects
            .iter()
            .zip(&area.protected_paths)
            .map(|(glob, matcher)| ProtectedPaths {
                glob: glob.clone(),
                paths: audit.paths.iter().filter(|p| matcher.is_match(&p.path.id)).count(),
            })
            .collect();
        areas.push(AreaCoverage {
            name: area.name.clone(),
            status,
            globs: area.tests.clone(),
            files: matched,
            tests,
            skipped,
            protects,
            line: area.line,
            column: area.column,
        });
    }
    Ok(CoverageMatrix { areas })
}

impl CoverageMatrix {
    /// Findings for `check`: a missing area (an error when coverage is
    /// required, else a warning) and a `protects` glob that matches no path.
    pub fn findings(&self, inventory: &Inventory, require: bool) -> Vec<Finding> {
        let config = inventory.path.display().to_string();
        let mut findings = Vec::new();
        for area in &self.areas {
            let location = format!("{config}:{}:{}", area.line, area.column);
            if !area.status.is_covered() {
                let globs = if area.globs.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({})",
                        area.globs
                            .iter()
                            .map(|g| format!("`{g}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                findings.push(Finding {
                    code: FindingCode::MissingCoverage,
                    severity: if require { Severity::Error } else { Severity::Warning },
                    location: location.clone(),
                    message: format!(
                        "isolation-test area `{}` has no test that runs: {}{globs}",
                        area.name,
                        area.status.describe()
                    ),
                    help: "add a test that sets up two tenants and proves one cannot see the other's data, and list \
                           its file under the area's `tests:`"
                        .into(),
                    detail: None,
                });
            }
            for protected in area.protects.iter().filter(|p| p.paths == 0) {
                findings.push(Finding {
                    code: FindingCode::UnmatchedGlob,
                    severity: Severity::Warning,
                    location: location.clone(),
                    message: format!(
                        "`{}` under `protects` of area `{}` matches no data-access path",
                        protected.glob, area.name
                    ),
                    help: "the code moved or the glob is mistyped; globs match path ids, e.g. `src/modules/logs/**`"
                        .into(),
                    detail: None,
                });
            }
        }
        findings
    }
}

/// The test files of `area`, relative to the inventory's folder, sorted.
fn matching_files(area: &CoverageArea, files: &TestFiles) -> Result<Vec<String>, CoverageError> {
    let mut found = BTreeSet::new();
    match files {
        TestFiles::Tracked(tracked) => {
            found.extend(tracked.iter().filter(|f| area.test_files.is_match(f.as_str())).cloned());
        }
        TestFiles::Folder(base) => {
            for glob in &area.tests {
                let start = literal_prefix(glob);
                let mut folder = base.join(&start);
                if folder.as_os_str().is_empty() {
                    folder = PathBuf::from(".");
                }
                if folder.is_file() {
                    if area.test_files.is_match(&start) {
                        found.insert(start);
                    }
                    continue;
                }
                if !folder.is_dir() {
                    continue;
                }
                let walker = ignore::WalkBuilder::new(&folder)
                    .hidden(true)
                    .require_git(false)
                    .follow_links(false)
                    .build();
                for entry in walker {
                    let entry = entry.map_err(|e| CoverageError::Walk {
                        folder: start.clone(),
                        message: e.to_string(),
                    })?;
                    if !entry.file_type().is_some_and(|t| t.is_file()) {
                        continue;
                    }
                    let relative = relative_to(entry.path(), base);
                    if area.test_files.is_match(&relative) {
                        found.insert(relative);
                    }
                }
            }
        }
    }
    Ok(found.into_iter().collect())
}

/// The folders of a glob before its first wildcard: only they need walking.
fn literal_prefix(glob: &str) -> String {
    let parts: Vec<&str> = glob.split('/').collect();
    let literal: Vec<&str> = parts
        .iter()
        .take_while(|part| !part.contains(['*', '?', '[', '{']))
        .copied()
        .collect();
    if literal.len() == parts.len() {
        return glob.to_string(); // a plain file name
    }
    literal.join("/")
}

fn relative_to(path: &Path, base: &Path) -> String {
    let relative = path.strip_prefix(base).unwrap_or(path);
    relative
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_folders_before_a_wildcard_are_walked() {
        assert_eq!(literal_prefix("tests/isolation/*.test.ts"), "tests/isolation");
        assert_eq!(literal_prefix("tests/**/search*.ts"), "tests");
        assert_eq!(
            literal_prefix("tests/isolation/search.test.ts"),
            "tests/isolation/search.test.ts"
        );
        assert_eq!(literal_prefix("*.test.ts"), "");
    }
}
