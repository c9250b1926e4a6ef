//! A throwaway project for end-to-end tests of the command line: an
//! inventory and sources in a temporary folder, and runs of the binary in it.
#![allow(dead_code)]

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The document's default place, relative to the inventory's folder.
pub const DOC: &str = "docs/security/tenant-isolation-audit.md";

/// A project in a fresh temporary folder.
pub struct Project {
    dir: TempDir,
}

impl Project {
    /// An empty project.
    pub fn new() -> Project {
        Project {
            dir: TempDir::new().expect("a temporary folder"),
        }
    }

    /// A project holding `files`.
    pub fn with(files: &[(&str, &str)]) -> Project {
        let project = Project::new();
        for (path, contents) in files {
            project.write(path, contents);
        }
        project
    }

    /// Its folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `contents` to `relative`, creating folders.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) {
        let path = self.dir.path().join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create fixture folder");
        }
        fs::write(&path, contents).expect("write fixture file");
    }

    /// The text of `relative`.
    pub fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.dir.path().join(relative)).unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
    }

    /// Whether `relative` exists.
    pub fn exists(&self, relative: &str) -> bool {
        self.dir.path().join(relative).exists()
    }

    /// Every file name directly in the project's folder, sorted.
    pub fn top_level_files(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.dir.path())
            .expect("list the project")
            .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Runs `tenant-audit args...` in the project.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(args, &[])
    }

    /// Runs `tenant-audit args...` with extra environment variables.
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = Command::cargo_bin("tenant-audit").expect("the tenant-audit binary");
        command.current_dir(self.dir.path()).args(args);
        for var in ["NO_COLOR", "CLICOLOR_FORCE"] {
            command.env_remove(var);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.output().expect("run tenant-audit");
        Run {
            code: output.status.code().expect("exited normally, not by a signal"),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }

    /// The absolute path of `relative`.
    pub fn join(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }
}

/// What one run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Run {
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "unexpected exit code; {self:?}");
        self
    }

    pub fn assert_stdout_has(&self, needle: &str) -> &Self {
        assert!(self.stdout.contains(needle), "stdout lacks {needle:?}; {self:?}");
        self
    }

    pub fn assert_stdout_lacks(&self, needle: &str) -> &Self {
        assert!(!self.stdout.contains(needle), "stdout has {needle:?}; {self:?}");
        self
    }

    pub fn assert_stderr_has(&self, needle: &str) -> &Self {
        assert!(self.stderr.contains(needle), "stderr lacks {needle:?}; {self:?}");
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}); {self:?}"))
    }
}

/// Asserts that `log` is valid against the vendored SARIF 2.1.0 schema,
/// formats (`uri`, `uri-reference`) included.
pub fn assert_valid_sarif(log: &serde_json::Value) {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schemas/sarif-schema-2.1.0.json")).expect("the vendored schema is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{e} (at {})", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the SARIF log breaks the 2.1.0 schema:\n{}",
        errors.join("\n")
    );
}

impl Project {
    /// A copy of `tests/fixtures/NAME` in a fresh temporary folder.
    pub fn fixture(name: &str) -> Project {
        let project = Project::new();
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
        copy_folder(&source, project.path());
        project
    }
}

fn copy_folder(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create a folder");
    for entry in fs::read_dir(from).expect("list a fixture folder") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy a fixture file");
        }
    }
}
