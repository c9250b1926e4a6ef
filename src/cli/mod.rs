//! Stage 5: the command line. Loads the inventory, runs the pipeline, prints,
//! writes, and turns the outcome into an exit code (see [`exit`]).

mod args;
pub mod exit;
mod output;
mod report;

pub use args::{Cli, Command, DocumentArgs, Format};

use crate::inventory::{self, Audit, Finding, FindingCode, Inventory, Severity};
use crate::model::ScanResult;
use crate::{extract, render, scope};
use anyhow::{Context, Result};
use clap::Parser;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Parses the process arguments, runs, and returns the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match run(&cli) {
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

/// Runs one command; `Ok` carries the exit code.
pub fn run(cli: &Cli) -> Result<i32> {
    let inventory = match inventory::load(&cli.config) {
        Ok(inventory) => inventory,
        Err(errors) => {
            eprintln!("{errors}");
            return Ok(exit::ERROR);
        }
    };
    match &cli.command {
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
            print(&inventory::suggest_taxonomy(&schema, &inventory))?;
            Ok(exit::SUCCESS)
        }
        Command::Scan { format } => {
            let scan = scan(&inventory)?;
            match format {
                Format::Text => print(&report::scan_text(&scan))?,
                Format::Json => print(&report::scan_json(&scan))?,
            }
            Ok(exit::SUCCESS)
        }
        Command::Generate { document } => {
            let audit = inventory::merge(scan(&inventory)?, &inventory);
            let rendered = render_document(&audit, &inventory, document)?;
            let out = output_path(&inventory, document);
            output::write_atomically(&out, &rendered)?;
            let open = audit
                .findings
                .iter()
                .filter(|f| f.code == FindingCode::Unclassified)
                .count();
            let mut message = format!(
                "wrote {}: {}\n",
                out.display(),
                report::summary(&audit, &[]).trim_start_matches("check passed: ")
            );
            if open > 0 {
                message.push_str(&format!(
                    "note: {open} path(s) are unclassified; `tenant-audit check` lists them with the YAML to add\n"
                ));
            }
            print(&message)?;
            Ok(exit::SUCCESS)
        }
        Command::Check { document, format } => {
            let audit = inventory::merge(scan(&inventory)?, &inventory);
            let rendered = render_document(&audit, &inventory, document)?;
            let out = output_path(&inventory, document);
            let mut findings = audit.findings.clone();
            if let Some(sources) = &inventory.schema {
                let schema = extract::read_schema(&inventory.base, sources)?;
                findings.extend(inventory::check_schema(&schema, &inventory));
            }
            findings.extend(drift(&out, &rendered)?);
            inventory::sort_findings(&mut findings);
            match format {
                Format::Text => print(&report::findings_text(&audit, &findings))?,
                Format::Json => print(&report::findings_json(&audit, &findings))?,
            }
            let failed = findings.iter().any(|f| f.severity == Severity::Error);
            Ok(if failed { exit::FINDINGS } else { exit::SUCCESS })
        }
    }
}

/// Extracts and decides every path the inventory's sources hold.
fn scan(inventory: &Inventory) -> Result<ScanResult> {
    let extraction = extract::scan_with(&inventory.selection, &inventory.rules)?;
    Ok(scope::decide_all(extraction, &inventory.taxonomy))
}

fn render_document(audit: &Audit, inventory: &Inventory, args: &DocumentArgs) -> Result<String> {
    let template = match &args.template {
        Some(path) => {
            Some(std::fs::read_to_string(path).with_context(|| format!("cannot read template {}", path.display()))?)
        }
        None => None,
    };
    let rendered = render::render(audit, inventory, template.as_deref()).with_context(|| match &args.template {
        Some(path) => format!("template {}", path.display()),
        None => "built-in template".to_string(),
    })?;
    Ok(rendered)
}

fn output_path(inventory: &Inventory, args: &DocumentArgs) -> PathBuf {
    args.out.clone().unwrap_or_else(|| inventory.output.clone())
}

/// A drift finding when the document at `path` differs from `rendered`.
fn drift(path: &Path, rendered: &str) -> Result<Option<Finding>> {
    let shown = path.display().to_string();
    let committed = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Some(Finding {
                code: FindingCode::Drift,
                severity: Severity::Error,
                location: shown.clone(),
                message: "the document does not exist".to_string(),
                help: "run `tenant-audit generate` and commit the document".into(),
                detail: None,
            }))
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {shown}")),
    };
    // Line endings may be converted on checkout (git autocrlf); content is what matters.
    if committed.replace("\r\n", "\n") == rendered {
        return Ok(None);
    }
    Ok(Some(Finding {
        code: FindingCode::Drift,
        severity: Severity::Error,
        location: shown.clone(),
        message: "the committed document is out of date with the code and the inventory".to_string(),
        help: "run `tenant-audit generate` and commit the result; the difference is:".into(),
        detail: Some(output::unified_diff(
            &committed.replace("\r\n", "\n"),
            rendered,
            &shown,
            200,
        )),
    }))
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
