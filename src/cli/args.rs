//! Command-line arguments.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Audits a multi-tenant TypeScript backend for tenant isolation.
///
/// Finds every data-access path, decides from the code whether each is scoped
/// to its tenant, merges that with the classifications in inventory.yaml,
/// renders the audit document, and gates CI on the result.
#[derive(Debug, Parser)]
#[command(name = "tenant-audit", version, about, long_about)]
pub struct Cli {
    /// The inventory file; paths inside it are relative to its folder.
    #[arg(long, global = true, value_name = "PATH", default_value = crate::inventory::DEFAULT_CONFIG)]
    pub config: PathBuf,

    /// No progress indicator and no notes on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// Neither read nor write the cache of the last run's per-file results
    /// and document (`.tenant-audit/cache` beside the inventory; safe to
    /// delete).
    #[arg(long, global = true)]
    pub no_cache: bool,

    /// The date expiry and review age are judged by, YYYY-MM-DD (default:
    /// today, UTC); set it to reproduce a run.
    #[arg(long, global = true, value_name = "DATE", value_parser = parse_today)]
    pub today: Option<jiff::civil::Date>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every data-access path with its verdict and evidence.
    Scan {
        /// Output format; `sarif` and `github` list only the paths that need a classification and have none.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Render the audit document and write it.
    Generate {
        #[command(flatten)]
        document: DocumentArgs,
    },
    /// Fail (exit 1) on unclassified paths, stale entries, unknown tables, or a
    /// committed document that differs from the code.
    Check {
        #[command(flatten)]
        document: DocumentArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Fail when an isolation-test area under `coverage:` has no test that runs.
        #[arg(long)]
        require_coverage: bool,
    },
    /// Compare with a base revision: paths added, removed, and whose verdict
    /// or classification changed (for a pull-request comment).
    Diff {
        /// The revision to compare with (a branch, tag or commit); it must be
        /// in the clone, so CI needs the full history (`fetch-depth: 0`).
        #[arg(long, value_name = "REV")]
        base: String,
        /// Output format; `markdown` is for a pull-request comment.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Add an `unclear` entry for each unclassified path to `paths:` in the
    /// inventory, leaving everything already in the file as it is.
    Baseline {
        /// Print the change instead of writing it.
        #[arg(long)]
        dry_run: bool,
    },
    /// Remove entries whose path is gone or no longer needs a classification.
    Prune {
        /// Print the change instead of writing it.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write a starter inventory for a repository that has none.
    Init,
    /// Print the contributor checklist derived from the inventory.
    Checklist {
        /// Print it as a section for `.github/pull_request_template.md`.
        #[arg(long)]
        pr_template: bool,
    },
    /// Check the inventory file alone.
    Validate,
    /// Print the table taxonomy the schema suggests, as YAML for inventory.yaml,
    /// marking where the inventory disagrees (needs `schema:` in the inventory).
    Taxonomy,
}

/// Where the document goes and how it is rendered.
#[derive(Debug, clap::Args)]
pub struct DocumentArgs {
    /// The document path (default: `output:` in the inventory, or
    /// docs/security/tenant-isolation-audit.md beside it).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// A tera template to render instead of the built-in one.
    #[arg(long, value_name = "PATH")]
    pub template: Option<PathBuf>,
    /// Also the self-contained HTML rendering, beside the document (same name, `.html`).
    #[arg(long)]
    pub html: bool,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For machines.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow annotations (`::error file=…,line=…::`).
    Github,
}

/// Output formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// For people, in a terminal.
    Text,
    /// A pull-request comment.
    Markdown,
    /// For machines.
    Json,
    /// SARIF 2.1.0: the added and changed paths that need a classification.
    Sarif,
    /// GitHub Actions annotations for the added and changed paths that need a classification.
    Github,
}

impl Format {
    /// Whether the output is for a machine, so nothing else may be drawn.
    pub fn is_machine(self) -> bool {
        !matches!(self, Format::Text)
    }
}

impl DiffFormat {
    /// Whether the output is for a machine (or pasted as is), so nothing else may be drawn.
    pub fn is_machine(self) -> bool {
        !matches!(self, DiffFormat::Text)
    }
}

fn parse_today(text: &str) -> Result<jiff::civil::Date, String> {
    crate::inventory::parse_date(text).ok_or_else(|| format!("`{text}` is not a date; write it as YYYY-MM-DD"))
}
