//! The git repository the inventory lives in, when there is one: which files
//! are tracked, and what the tree of a revision holds. Everything here reads;
//! the working tree, the index and HEAD are never changed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Why the repository could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// Discovery found a repository that cannot be opened.
    #[error("cannot open the git repository for {path}: {message}")]
    Open {
        /// The folder discovery started from.
        path: PathBuf,
        /// What libgit2 said.
        message: String,
    },
    /// The index could not be read.
    #[error("cannot read the git index of {path}: {message}")]
    Index {
        /// The working tree.
        path: PathBuf,
        /// What libgit2 said.
        message: String,
    },
    /// The revision does not name a commit in this clone.
    #[error("cannot resolve the base revision `{rev}`: {message}\n  = help: {help}")]
    Unresolvable {
        /// The revision as given.
        rev: String,
        /// What libgit2 said.
        message: String,
        /// What to do, which depends on whether the clone is shallow.
        help: String,
    },
    /// The commit is known but objects it needs are not in the clone.
    #[error("cannot read {what} at `{rev}`: {message}\n  = help: {help}")]
    Incomplete {
        /// What was being read.
        what: String,
        /// The revision as given.
        rev: String,
        /// What libgit2 said.
        message: String,
        /// What to do.
        help: String,
    },
}

/// A commit a revision resolved to.
#[derive(Debug, Clone)]
pub struct Revision {
    /// The revision as given (`origin/main`).
    pub spec: String,
    /// The full commit id.
    pub commit: String,
    /// The abbreviated commit id, for people.
    pub short: String,
    tree: git2::Oid,
}

/// A git working tree and where the inventory sits in it.
pub struct Workspace {
    repo: git2::Repository,
    workdir: PathBuf,
    /// The inventory's folder relative to the working tree, `/`-separated,
    /// with a trailing `/`; empty when the inventory is at the root.
    prefix: String,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("workdir", &self.workdir)
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl Workspace {
    /// The working tree that holds `folder` (the inventory's folder; empty
    /// means the current one), or `None` outside git and in a bare repository.
    pub fn discover(folder: &Path) -> Result<Option<Workspace>, RepoError> {
        let folder = if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            folder
        };
        let repo = match git2::Repository::discover(folder) {
            Ok(repo) => repo,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => {
                let mut message = e.message().to_string();
                if e.code() == git2::ErrorCode::Owner {
                    // Typical of a checkout mounted into a container under another user.
                    message.push_str(" (if you trust it, `git config --global --add safe.directory <path>`)");
                }
                return Err(RepoError::Open {
                    path: folder.to_path_buf(),
                    message,
                });
            }
        };
        let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
            return Ok(None);
        };
        let (Ok(workdir), Ok(folder)) = (workdir.canonicalize(), folder.canonicalize()) else {
            return Ok(None);
        };
        let Ok(inside) = folder.strip_prefix(&workdir) else {
            return Ok(None);
        };
        let mut prefix = slashed(inside);
        if !prefix.is_empty() {
            prefix.push('/');
        }
        Ok(Some(Workspace { repo, workdir, prefix }))
    }

    /// The root of the working tree.
    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    /// `path` (absolute, or relative to the current directory) relative to
    /// the root of the working tree, `/`-separated; `None` when outside it.
    pub fn relative_to_root(&self, path: &Path) -> Option<String> {
        let absolute = absolute(path)?;
        absolute.strip_prefix(&self.workdir).ok().map(slashed)
    }

    /// Files in the index under the inventory's folder, relative to that
    /// folder: regular files and symbolic links (which the scan reports
    /// rather than follows), not submodules.
    pub fn tracked_files(&self) -> Result<Vec<String>, RepoError> {
        let index = self.repo.index().map_err(|e| RepoError::Index {
            path: self.workdir.clone(),
            message: e.message().to_string(),
        })?;
        let mut files = BTreeSet::new();
        for entry in index.iter() {
            if !matches!(entry.mode & 0o170000, 0o100000 | 0o120000) {
                continue;
            }
            let Ok(path) = String::from_utf8(entry.path) else {
                continue;
            };
            if let Some(relative) = path.strip_prefix(&self.prefix) {
                files.insert(relative.to_string());
            }
        }
        Ok(files.into_iter().collect())
    }

    /// Whether the index holds any file under `folder` (relative to the
    /// inventory's folder, `/`-separated).
    pub fn tracks_under(&self, folder: &str) -> Result<bool, RepoError> {
        let index = self.repo.index().map_err(|e| RepoError::Index {
            path: self.workdir.clone(),
            message: e.message().to_string(),
        })?;
        let under = format!("{}{}/", self.prefix, folder.trim_end_matches('/'));
        Ok(index.iter().any(|entry| entry.path.starts_with(under.as_bytes())))
    }

    /// Files under the inventory's folder that git does not track and does
    /// not ignore, relative to that folder: sources that a scan of the index
    /// leaves out until someone runs `git add`.
    pub fn untracked_files(&self) -> Result<Vec<String>, RepoError> {
        let mut options = git2::StatusOptions::new();
        options
            .include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false)
            .exclude_submodules(true);
        if !self.prefix.is_empty() {
            options.pathspec(&self.prefix);
        }
        let statuses = self.repo.statuses(Some(&mut options)).map_err(|e| RepoError::Index {
            path: self.workdir.clone(),
            message: e.message().to_string(),
        })?;
        let mut files: Vec<String> = statuses
            .iter()
            .filter(|entry| entry.status().contains(git2::Status::WT_NEW))
            .filter_map(|entry| entry.path().ok().map(str::to_string))
            .filter_map(|path| path.strip_prefix(&self.prefix).map(str::to_string))
            .collect();
        files.sort();
        Ok(files)
    }

    /// Resolves `rev` to a commit. A revision that is not in the clone is an
    /// error that says how to fetch it, never an empty tree.
    pub fn resolve(&self, rev: &str) -> Result<Revision, RepoError> {
        let commit = self
            .repo
            .revparse_single(rev)
            .and_then(|object| object.peel_to_commit())
            .map_err(|e| RepoError::Unresolvable {
                rev: rev.to_string(),
                message: e.message().to_string(),
                help: self.fetch_help(),
            })?;
        let tree = commit.tree().map_err(|e| self.incomplete("the tree", rev, &e))?;
        let short = commit
            .as_object()
            .short_id()
            .ok()
            .and_then(|s| s.as_str().ok().map(str::to_string))
            .unwrap_or_else(|| commit.id().to_string()[..7].to_string());
        Ok(Revision {
            spec: rev.to_string(),
            commit: commit.id().to_string(),
            short,
            tree: tree.id(),
        })
    }

    /// The contents of `path` (relative to the root of the working tree) at
    /// `revision`, or `None` when it did not exist there.
    pub fn file_at(&self, revision: &Revision, path: &str) -> Result<Option<Vec<u8>>, RepoError> {
        let tree = self.tree(revision)?;
        let entry = match tree.get_path(Path::new(path)) {
            Ok(entry) => entry,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(self.incomplete(path, &revision.spec, &e)),
        };
        if entry.kind() != Some(git2::ObjectType::Blob) {
            return Ok(None);
        }
        let blob = self
            .repo
            .find_blob(entry.id())
            .map_err(|e| self.incomplete(path, &revision.spec, &e))?;
        Ok(Some(blob.content().to_vec()))
    }

    /// Regular files of `revision` under the inventory's folder whose path
    /// relative to that folder `keep` accepts, with their contents, in path order.
    pub fn files_at(
        &self,
        revision: &Revision,
        keep: impl Fn(&str) -> bool,
    ) -> Result<Vec<(String, Vec<u8>)>, RepoError> {
        let root = self.tree(revision)?;
        let folder = self.prefix.trim_end_matches('/');
        let tree = if folder.is_empty() {
            root
        } else {
            match root.get_path(Path::new(folder)) {
                Ok(entry) if entry.kind() == Some(git2::ObjectType::Tree) => self
                    .repo
                    .find_tree(entry.id())
                    .map_err(|e| self.incomplete(folder, &revision.spec, &e))?,
                Ok(_) => return Ok(Vec::new()),
                Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(Vec::new()),
                Err(e) => return Err(self.incomplete(folder, &revision.spec, &e)),
            }
        };
        let mut wanted = Vec::new();
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            let regular = matches!(entry.filemode(), 0o100644 | 0o100755);
            if let (true, Ok(name)) = (regular, entry.name()) {
                let relative = format!("{dir}{name}");
                if keep(&relative) {
                    wanted.push((relative, entry.id()));
                }
            }
            git2::TreeWalkResult::Ok
        })
        .map_err(|e| self.incomplete("the tree", &revision.spec, &e))?;
        let mut files = Vec::with_capacity(wanted.len());
        for (relative, id) in wanted {
            let blob = self
                .repo
                .find_blob(id)
                .map_err(|e| self.incomplete(&relative, &revision.spec, &e))?;
            files.push((relative, blob.content().to_vec()));
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(files)
    }

    fn tree(&self, revision: &Revision) -> Result<git2::Tree<'_>, RepoError> {
        self.repo
            .find_tree(revision.tree)
            .map_err(|e| self.incomplete("the tree", &revision.spec, &e))
    }

    fn incomplete(&self, what: &str, rev: &str, error: &git2::Error) -> RepoError {
        RepoError::Incomplete {
            what: what.to_string(),
            rev: rev.to_string(),
            message: error.message().to_string(),
            help: self.fetch_help(),
        }
    }

    /// What to do when a revision or its objects are missing: CI clones are
    /// shallow by default, and a shallow clone lacks the base.
    fn fetch_help(&self) -> String {
        if self.repo.is_shallow() {
            "this clone is shallow (CI checkouts fetch one commit by default), so the base is not in it; fetch \
             the full history — with actions/checkout, set `fetch-depth: 0` — or run `git fetch --unshallow`, \
             then run again"
                .to_string()
        } else {
            "name a branch, tag or commit that is in this clone; in CI, fetch the base branch first (with \
             actions/checkout, set `fetch-depth: 0`)"
                .to_string()
        }
    }
}

/// `path` with `/` separators.
fn slashed(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// `path` made absolute (from the current directory) and canonical as far
/// as it exists, so that it compares with the canonical working tree.
fn absolute(path: &Path) -> Option<PathBuf> {
    let path = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    if let Ok(canonical) = path.canonicalize() {
        return Some(canonical);
    }
    // A file that does not exist yet (a document not generated): canonicalise its folder.
    let parent = path.parent()?.canonicalize().ok()?;
    Some(parent.join(path.file_name()?))
}
