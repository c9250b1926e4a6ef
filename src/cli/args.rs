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

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every data-access path with its verdict and evidence.
    Scan {
        /// Output format.
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
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For machines.
    Json,
}
