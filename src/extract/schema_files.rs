//! Reads the configured schema sources — the Kysely `Database` interface and
//! SQL migrations — into one [`Schema`], so the taxonomy can be checked
//! against the tables and columns the database really has.

use super::schema::{read_kysely_schema, read_sql_migration, Schema};
use super::ExtractError;
use std::path::{Path, PathBuf};

/// Where the schema is declared, relative to the inventory's folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaSources {
    /// The TypeScript file and the name of the interface passed to `Kysely<...>`.
    pub kysely: Option<(PathBuf, String)>,
    /// Folders of `.sql` migrations, applied in path order after the interface.
    pub migrations: Vec<PathBuf>,
}

/// Reads every configured source. A missing file or folder is an error: a
/// schema check that silently read nothing would pass for the wrong reason.
pub fn read_schema(base: &Path, sources: &SchemaSources) -> Result<Schema, ExtractError> {
    let mut schema = Schema::default();
    if let Some((file, interface)) = &sources.kysely {
        let path = base.join(file);
        let text = std::fs::read(&path).map_err(|source| ExtractError::Read {
            path: path.clone(),
            source,
        })?;
        schema = read_kysely_schema(&text, &relative(file), interface).map_err(|e| ExtractError::Schema {
            path: path.clone(),
            message: e.to_string(),
        })?;
    }
    for folder in &sources.migrations {
        let root = base.join(folder);
        if !root.is_dir() {
            return Err(ExtractError::RootMissing { path: root });
        }
        let mut files: Vec<PathBuf> = Vec::new();
        for entry in ignore::WalkBuilder::new(&root).standard_filters(false).build() {
            let entry = entry.map_err(|e| ExtractError::Walk {
                path: root.clone(),
                message: e.to_string(),
            })?;
            let path = entry.path();
            if entry.file_type().is_some_and(|t| t.is_file()) && path.extension().is_some_and(|e| e == "sql") {
                files.push(path.to_path_buf());
            }
        }
        files.sort();
        for path in files {
            let sql = std::fs::read_to_string(&path).map_err(|source| ExtractError::Read {
                path: path.clone(),
                source,
            })?;
            let shown = relative(path.strip_prefix(base).unwrap_or(&path));
            read_sql_migration(&sql, &shown, &mut schema);
        }
    }
    Ok(schema)
}

fn relative(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}
