//! Stage 5: the command line. Loads the inventory, runs the pipeline, prints,
//! writes, and turns the outcome into an exit code (see [`exit`]).

mod annotations;
mod args;
mod diff_report;
mod document;
pub mod exit;
mod maintain;
mod output;
mod problems;
mod progress;
mod report;
mod sarif;
mod style;

pub use args::{Cli, Command, DiffFormat, DocumentArgs, Format};

use crate::coverage::{self, CoverageMatrix, TestFiles};
use crate::gitdiff;
use crate::inventory::{self, Audit, AuditedPath, FindingCode, Inventory, Severity};
use crate::model::ScanResult;
use crate::repo::Workspace;
use crate::{extract, render};
use anyhow::{bail, Context, Result};
use clap::Parser;
use problems::Locations;
use progress::Progress;
use std::io::Write;
use style::Palette;

/// The cache of the last run's per-file results and document, relative to
/// the inventory's folder.
pub const CACHE_DIR: &str = ".tenant-audit/cache";

/// What the binary does at points of a run that only the library sees: the
/// library chooses no allocator; the binary does, and tunes it to the
/// repository's size.
#[derive(Clone, Copy, Default)]
pub struct Hooks {
    /// Called with the number of source files of the working tree once
    /// they are listed, before they are read.
    pub listed: Option<fn(usize)>,
}

/// The cache folder beside the inventory, unless `--no-cache`, or unless git
/// tracks files in it: the cache is trusted to hold what this tool computed
/// on this machine, and one that came with the repository (forced in past
/// its `.gitignore`) could hide paths from the check.
fn cache_folder(cli: &Cli, inventory: &Inventory, workspace: Option<&Workspace>) -> Result<Option<std::path::PathBuf>> {
    if cli.no_cache {
        return Ok(None);
    }
    if let Some(workspace) = workspace {
        if workspace.tracks_under(CACHE_DIR)? {
            if !cli.quiet {
                eprintln!(
                    "note: git tracks files in {CACHE_DIR}, so the cache is not used: a cache that comes with the \
                     repository could hide paths; `git rm -r --cached {CACHE_DIR}` to stop tracking it"
                );
            }
            return Ok(None);
        }
    }
    Ok(Some(inventory.base.join(CACHE_DIR)))
}

/// Parses the process arguments, runs, and returns the exit code.
pub fn main() -> i32 {
    main_with(Hooks::default())
}

/// [`main`], calling `hooks` as the run passes them.
pub fn main_with(hooks: Hooks) -> i32 {
    let cli = Cli::parse();
    match run_with(&cli, hooks) {
        Ok(code) => code,
        Err(error) => {
            if is_broken_pipe(&error) {
                return exit::SUCCESS;
            }
            eprintln!("error: {error:#}");
            exit::ERROR
        }
    }
}

/// Everything a command works from.
struct Session<'a> {
    cli: &'a Cli,
    inventory: Inventory,
    /// The git working tree holding the inventory, when there is one.
    workspace: Option<Workspace>,
    today: jiff::civil::Date,
    hooks: Hooks,
    /// The cache folder, unless `--no-cache` or git tracks files in it.
    cache: Option<std::path::PathBuf>,
}

/// Runs one command; `Ok` carries the exit code.
pub fn run(cli: &Cli) -> Result<i32> {
    run_with(cli, Hooks::default())
}

/// [`run`], calling `hooks` as the run passes them.
pub fn run_with(cli: &Cli, hooks: Hooks) -> Result<i32> {
    if let Command::Init = cli.command {
        return init(cli);
    }
    let inventory = match inventory::load(&cli.config) {
        Ok(inventory) => inventory,
        Err(errors) => {
            eprintln!("{errors}");
            return Ok(exit::ERROR);
        }
    };
    let workspace = match Workspace::discover(&inventory.base) {
        Ok(workspace) => workspace,
        Err(error) if matches!(cli.command, Command::Diff { .. }) => return Err(error.into()),
        Err(error) => {
            if !cli.quiet {
                eprintln!("note: {error}; listing source files from the folders instead of the git index");
            }
            None
        }
    };
    let cache = cache_folder(cli, &inventory, workspace.as_ref())?;
    let session = Session {
        cli,
        inventory,
        workspace,
        today: cli.today.unwrap_or_else(today_utc),
        hooks,
        cache,
    };
    session.run()
}

impl Session<'_> {
    fn run(&self) -> Result<i32> {
        let inventory = &self.inventory;
        match &self.cli.command {
            Command::Init => unreachable!("handled before the inventory is loaded"),
            Command::Validate => {
                print(&format!(
                    "{} is valid: {} table(s) in the taxonomy, {} classified path(s)\n",
                    inventory.path.display(),
                    inventory.tables.len(),
                    inventory.entries.len()
                ))?;
                Ok(exit::SUCCESS)
            }
            Command::Taxonomy => {
                let Some(sources) = &inventory.schema else {
                    eprintln!(
                        "{}: error[no-schema]: the inventory has no `schema:` section\n  = help: add `schema: {{ kysely: {{ file: src/db/schema.ts }} }}` and/or `migrations: [db/migrations]`",
                        inventory.path.display()
                    );
                    return Ok(exit::ERROR);
                };
                let schema = extract::read_schema(&inventory.base, sources)?;
                print(&inventory::suggest_taxonomy(&schema, inventory))?;
                Ok(exit::SUCCESS)
            }
            Command::Checklist { pr_template } => {
                if *pr_template {
                    print(&render::checklist::pr_template(inventory))?;
                } else {
                    let items: String = render::checklist::items(inventory)
                        .iter()
                        .map(|item| format!("- [ ] {item}\n"))
                        .collect();
                    print(&items)?;
                }
                Ok(exit::SUCCESS)
            }
            Command::Scan { format } => {
                let scan = self.scan(!format.is_machine())?;
                match format {
                    Format::Text => print(&report::scan_text(&scan, &Palette::for_stdout()))?,
                    Format::Json => print(&report::scan_json(&scan))?,
                    Format::Sarif | Format::Github => {
                        let audit = inventory::merge(scan, inventory);
                        let paths: Vec<&AuditedPath> = audit.paths.iter().collect();
                        self.print_problems(*format, &paths, &[])?;
                    }
                }
                Ok(exit::SUCCESS)
            }
            Command::Generate { document } => {
                let audit = inventory::merge(self.scan(true)?, inventory);
                let (_, rendered) = self.render(&audit, document)?;
                document::write(&rendered)?;
                let open = audit
                    .findings
                    .iter()
                    .filter(|f| f.code == FindingCode::Unclassified)
                    .count();
                let mut message = format!(
                    "wrote {}: {}\n",
                    rendered.out.display(),
                    report::summary(&audit, &[]).trim_start_matches("check passed: ")
                );
                if let Some((html, _)) = &rendered.html {
                    message.push_str(&format!("wrote {}\n", html.display()));
                }
                if open > 0 {
                    message.push_str(&format!(
                        "note: {open} path(s) are unclassified; `tenant-audit check` lists them with the YAML to add\n"
                    ));
                }
                print(&message)?;
                crate::free_in_background((audit, rendered));
                Ok(exit::SUCCESS)
            }
            Command::Check {
                document,
                format,
                require_coverage,
            } => {
                let mut audit = inventory::merge(self.scan(!format.is_machine())?, inventory);
                let (coverage, rendered) = self.render(&audit, document)?;
                // The reports below read the paths, not the merge's findings: no need for a copy.
                let mut findings = std::mem::take(&mut audit.findings);
                if let Some(sources) = &inventory.schema {
                    let schema = extract::read_schema(&inventory.base, sources)?;
                    findings.extend(inventory::check_schema(&schema, inventory));
                }
                findings.extend(inventory::review_findings(inventory, self.today));
                if let Some(coverage) = &coverage {
                    findings.extend(coverage.findings(inventory, *require_coverage));
                } else if *require_coverage {
                    bail!(
                        "--require-coverage needs isolation-test areas under `coverage:` in {}; see README.md",
                        inventory.path.display()
                    );
                }
                findings.extend(document::drift(&rendered)?);
                inventory::sort_findings(&mut findings);
                match format {
                    Format::Text => print(&report::findings_text(&audit, &findings, &Palette::for_stdout()))?,
                    Format::Json => print(&report::findings_json(&audit, &findings, coverage.as_ref()))?,
                    Format::Sarif | Format::Github => {
                        let paths: Vec<&AuditedPath> = audit.paths.iter().collect();
                        self.print_problems(*format, &paths, &findings)?;
                        if *format == Format::Github {
                            print(&format!("{}\n", report::summary(&audit, &findings)))?;
                        }
                    }
                }
                let failed = findings.iter().any(|f| f.severity == Severity::Error);
                crate::free_in_background((audit, rendered, findings));
                Ok(if failed { exit::FINDINGS } else { exit::SUCCESS })
            }
            Command::Diff { base, format } => self.diff(base, *format),
            Command::Baseline { dry_run } => {
                let audit = inventory::merge(self.scan(true)?, inventory);
                print(&maintain::baseline(inventory, &audit, self.today, *dry_run)?)?;
                Ok(exit::SUCCESS)
            }
            Command::Prune { dry_run } => {
                let audit = inventory::merge(self.scan(true)?, inventory);
                print(&maintain::prune(inventory, &audit, *dry_run)?)?;
                Ok(exit::SUCCESS)
            }
        }
    }

    /// Extracts and decides every path of the working tree: the tracked
    /// files in git, else the folders.
    fn scan(&self, for_people: bool) -> Result<ScanResult> {
        let progress = Progress::start("scanning sources", for_people && !self.cli.quiet);
        let scanned =
            gitdiff::scan_working_tree(&self.inventory, self.workspace.as_ref(), self.cache_dir(), &|files| {
                self.listed(files)
            })?;
        progress.finish();
        self.note_untracked(&scanned.untracked);
        Ok(scanned.scan)
    }

    /// Tells the binary how many source files the working tree has.
    fn listed(&self, files: usize) {
        if let Some(listed) = self.hooks.listed {
            listed(files);
        }
    }

    /// Where the last run's results and document are kept (see [`cache_folder`]).
    fn cache_dir(&self) -> Option<&std::path::Path> {
        self.cache.as_deref()
    }

    /// The coverage matrix, when the inventory declares areas, and the
    /// document `args` ask for, with it.
    fn render(&self, audit: &Audit, args: &DocumentArgs) -> Result<(Option<CoverageMatrix>, document::Rendered)> {
        let coverage = self.coverage(audit)?;
        let rendered = document::render(audit, &self.inventory, coverage.as_ref(), args, self.cache_dir())?;
        Ok((coverage, rendered))
    }

    /// Says on stderr which sources the scan of the git index left out, so
    /// that a new file nobody has added yet is not mistaken for audited.
    fn note_untracked(&self, untracked: &[String]) {
        if self.cli.quiet || untracked.is_empty() {
            return;
        }
        let shown: Vec<&str> = untracked.iter().take(5).map(String::as_str).collect();
        let more = untracked.len().saturating_sub(shown.len());
        eprintln!(
            "note: {} source file(s) under the roots are not tracked by git and were not scanned: {}{}; `git add` them \
             to audit them",
            untracked.len(),
            shown.join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() }
        );
    }

    /// The coverage matrix, when the inventory declares areas.
    fn coverage(&self, audit: &Audit) -> Result<Option<CoverageMatrix>> {
        if self.inventory.coverage.is_empty() {
            return Ok(None);
        }
        let tracked = match &self.workspace {
            Some(workspace) => workspace.tracked_files()?,
            None => Vec::new(),
        };
        let files = if tracked.is_empty() {
            TestFiles::Folder(self.inventory.base.clone())
        } else {
            TestFiles::Tracked(tracked)
        };
        Ok(Some(coverage::assess(&self.inventory, audit, &files)?))
    }

    /// SARIF or workflow annotations for the paths that need a classification
    /// and the findings.
    fn print_problems(&self, format: Format, paths: &[&AuditedPath], findings: &[inventory::Finding]) -> Result<()> {
        let locations = Locations::new(&self.inventory.base, self.workspace.as_ref());
        let config = self.config_name();
        let problems = problems::problems(paths, findings, &locations, &config);
        match format {
            Format::Sarif => print(&sarif::log(&problems)),
            _ => print(&annotations::annotations(&problems)),
        }
    }

    fn diff(&self, base: &str, format: DiffFormat) -> Result<i32> {
        let inventory = &self.inventory;
        let Some(workspace) = &self.workspace else {
            bail!(
                "`diff` compares with a git revision, but {} is not in a git working tree",
                display_folder(&inventory.base)
            );
        };
        let revision = workspace.resolve(base)?;
        let progress = Progress::start(
            "comparing with the base revision",
            !format.is_machine() && !self.cli.quiet,
        );
        let scanned = gitdiff::scan_working_tree(inventory, Some(workspace), self.cache_dir(), &|files| {
            self.listed(files)
        })?;
        self.note_untracked(&scanned.untracked);
        let head = inventory::merge(scanned.scan, inventory);
        let base_audit = gitdiff::audit_revision(workspace, &revision, inventory)
            .with_context(|| format!("cannot audit `{base}`"))?;
        progress.finish();
        if let (gitdiff::BaseInventory::Invalid(errors), false) = (&base_audit.inventory, self.cli.quiet) {
            eprintln!(
                "note: {} at `{base}` does not load, so the base is judged without its classifications:\n{errors}",
                self.config_name()
            );
        }
        let changes = gitdiff::compare(&base_audit.audit, &head);
        let config = self.config_name();
        let report = diff_report::DiffReport {
            revision: &revision,
            base_inventory: &base_audit.inventory,
            config: &config,
            changes: &changes,
        };
        match format {
            DiffFormat::Text => print(&diff_report::text(&report, &Palette::for_stdout()))?,
            DiffFormat::Markdown => print(&diff_report::markdown(&report))?,
            DiffFormat::Json => print(&diff_report::json(&report))?,
            DiffFormat::Sarif | DiffFormat::Github => {
                let paths: Vec<&AuditedPath> = changes
                    .added
                    .iter()
                    .chain(changes.changed.iter().map(|c| &c.after))
                    .collect();
                let format = if format == DiffFormat::Sarif {
                    Format::Sarif
                } else {
                    Format::Github
                };
                self.print_problems(format, &paths, &[])?;
            }
        }
        Ok(exit::SUCCESS)
    }

    fn config_name(&self) -> String {
        self.inventory
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| inventory::DEFAULT_CONFIG.to_string())
    }
}

/// `init`: drafts an inventory for the repository around `--config`.
fn init(cli: &Cli) -> Result<i32> {
    let path = &cli.config;
    if path.exists() {
        eprintln!(
            "{}: error[config-exists]: the inventory already exists; `init` never overwrites one\n  = help: edit it, or pass another file with --config",
            path.display()
        );
        return Ok(exit::ERROR);
    }
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let progress = Progress::start("looking at the repository", !cli.quiet);
    let starter = crate::init::draft(folder)?;
    progress.finish();
    // The draft must load before it is written: a starter file the tool
    // itself rejects would be a poor start.
    let trial = tempfile::Builder::new()
        .prefix(".tenant-audit-init-")
        .suffix(".yaml")
        .tempfile_in(folder)
        .with_context(|| format!("cannot write in {}", folder.display()))?;
    std::fs::write(trial.path(), &starter.yaml).with_context(|| format!("cannot write in {}", folder.display()))?;
    if let Err(errors) = inventory::load(trial.path()) {
        bail!("the drafted inventory does not load; this is a bug in tenant-audit, please report it:\n{errors}");
    }
    drop(trial);
    output::write_atomically(path, &starter.yaml)?;
    print(&format!("wrote {}: {}\n", path.display(), starter.summary))?;
    Ok(exit::SUCCESS)
}

fn today_utc() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date()
}

fn display_folder(folder: &std::path::Path) -> String {
    if folder.as_os_str().is_empty() {
        "the current folder".to_string()
    } else {
        folder.display().to_string()
    }
}

fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
