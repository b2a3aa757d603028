//! The file-system rules every reader and writer follows.
//!
//! - **Only regular files are read or replaced.** A FIFO, socket, device or directory cannot be
//!   read boundedly (a FIFO blocks in `open()` until a writer appears, a device may never end),
//!   so [`open_regular`] refuses them with `ERR_IO` naming the file type: it `stat`s the path
//!   first, then opens it with `O_NONBLOCK` (so opening a FIFO that appears in between cannot
//!   block) and checks the opened file again with `fstat`. Writers refuse a destination that
//!   exists and is not a regular file the same way.
//! - **Temporaries are created exclusively.** [`write_atomic`] writes a sibling
//!   `.NAME.<16 random hex digits>.tmp` created with `O_CREAT | O_EXCL | O_NOFOLLOW`, so a file or symbolic link planted under that name makes
//!   the create fail instead of being followed or truncated; it retries with a fresh random name.
//! - **An existing destination keeps its permission bits** (copied onto the temporary with
//!   `fchmod` before the rename; the temporary is created with that mode, so it is never more
//!   open than the destination, even while being written); a new one gets `0666 & ~umask`, as
//!   `open()` would give it. A destination with no write permission bit is refused (`ERR_IO`, "is read-only"):
//!   read-only means "do not overwrite".
//! - The data is flushed and `fsync`ed before the rename, so readers see the old file or the
//!   complete new one, never a partial file; on any error (or cancellation) the temporary is
//!   removed. [`remove_pending_temporaries`] removes the temporaries of writes still in flight,
//!   for a process that must exit before they finish (the CLI's second Ctrl-C).

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use embgeo_core::{Error, Result};

use crate::common::BLOCK;

/// `Io` naming `path` with `reason`.
fn io_err(path: &Path, reason: impl Into<String>) -> Error {
    Error::Io {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// What kind of file `meta` describes, in words ("a directory", "a FIFO (named pipe)", …).
#[must_use]
pub fn file_type_name(meta: &Metadata) -> &'static str {
    #[cfg(unix)]
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    let kinds = [
        (t.is_file(), "a regular file"),
        (t.is_dir(), "a directory"),
        (t.is_symlink(), "a symbolic link"),
        #[cfg(unix)]
        (t.is_fifo(), "a FIFO (named pipe)"),
        #[cfg(unix)]
        (t.is_socket(), "a socket"),
        #[cfg(unix)]
        (t.is_char_device(), "a character device"),
        #[cfg(unix)]
        (t.is_block_device(), "a block device"),
    ];
    kinds
        .iter()
        .find(|(is, _)| *is)
        .map_or("not a regular file", |&(_, name)| name)
}

/// `Io` unless `meta` is a regular file.
fn require_regular(path: &Path, meta: &Metadata) -> Result<()> {
    if meta.is_file() {
        Ok(())
    } else {
        Err(io_err(
            path,
            format!(
                "is {}; only regular files can be read or replaced (a pipe or device cannot be read boundedly)",
                file_type_name(meta)
            ),
        ))
    }
}

/// Open the regular file at `path` for reading; returns it and its length in bytes.
///
/// Never blocks in `open()`: the path is `stat`ed first and opened with `O_NONBLOCK` (which
/// has no effect on reading a regular file), then the opened file is checked with `fstat`.
///
/// # Errors
/// `Io` if the path cannot be opened or is not a regular file (the message names its type).
pub fn open_regular(path: &Path) -> Result<(File, u64)> {
    let io = |e: std::io::Error| io_err(path, e.to_string());
    require_regular(path, &fs::metadata(path).map_err(io)?)?;
    let mut o = OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK);
    }
    let file = o.open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    require_regular(path, &meta)?;
    Ok((file, meta.len()))
}

/// The destination's permissions if it exists (a regular, writable file), `None` if it does
/// not exist.
fn destination_mode(path: &Path) -> Result<Option<fs::Permissions>> {
    match fs::metadata(path) {
        Ok(meta) => {
            require_regular(path, &meta)?;
            if meta.permissions().readonly() {
                return Err(io_err(
                    path,
                    "is read-only; embgeo does not replace a file its owner cannot write (make it writable or remove it first)",
                ));
            }
            Ok(Some(meta.permissions()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(path, e.to_string())),
    }
}

/// Temporaries of writes in flight (for [`remove_pending_temporaries`]).
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Remove the temporary files of every atomic write still in flight in this process; returns
/// how many were removed. For a process about to exit before its writes finish: the writes then
/// fail, and no hidden `.NAME.*.tmp` file is left behind.
#[must_use = "the number of temporaries removed"]
pub fn remove_pending_temporaries() -> usize {
    let mut p = pending();
    let n = p.iter().filter(|t| fs::remove_file(t).is_ok()).count();
    p.clear();
    n
}

/// `.NAME.<16 random hex digits>.tmp`.
fn random_suffix(path: &Path) -> Result<String> {
    let mut r = [0u8; 8];
    getrandom::fill(&mut r).map_err(|e| io_err(path, format!("no randomness for a temporary name: {e}")))?;
    Ok(format!(".{:016x}.tmp", u64::from_le_bytes(r)))
}

/// A fresh temporary sibling of `path`, created exclusively (never following a link) with
/// `mode` (permission bits; the umask applies, so it is never more open than `mode`).
fn create_temporary(path: &Path, mode: u32) -> Result<(File, PathBuf)> {
    create_temporary_with(path, mode, random_suffix)
}

/// [`create_temporary`] with the name suffixes drawn from `suffix` (tests plant links).
fn create_temporary_with(
    path: &Path,
    mode: u32,
    mut suffix: impl FnMut(&Path) -> Result<String>,
) -> Result<(File, PathBuf)> {
    let file_name = path
        .file_name()
        .ok_or_else(|| io_err(path, "the path names no file"))?;
    for _ in 0..16 {
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(file_name);
        tmp_name.push(suffix(path)?);
        let tmp = path.with_file_name(tmp_name);
        let mut o = OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(mode).custom_flags(libc::O_NOFOLLOW);
        }
        #[cfg(not(unix))]
        let _ = mode;
        match o.open(&tmp) {
            Ok(f) => return Ok((f, tmp)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_err(path, e.to_string())),
        }
    }
    Err(io_err(
        path,
        "could not create a temporary file beside it (16 names taken)",
    ))
}

/// Write `path` atomically (see the module docs): `body` writes the content through a 1 MiB
/// buffer into a fresh temporary, which is flushed, synced, given the destination's mode and
/// renamed over `path`.
///
/// # Errors
/// `Io` naming `path` (unwritable directory, a destination that is not a regular file or is
/// read-only, a full disk); whatever `body` returns (`Io` errors are renamed to `path`).
pub fn write_atomic(path: &Path, body: impl FnOnce(&mut BufWriter<&File>) -> Result<()>) -> Result<()> {
    let io = |e: std::io::Error| io_err(path, e.to_string());
    let mode = destination_mode(path)?;
    #[cfg(unix)]
    let bits = mode
        .as_ref()
        .map_or(0o666, |m| std::os::unix::fs::PermissionsExt::mode(m) & 0o777);
    #[cfg(not(unix))]
    let bits = 0o666;
    let (file, tmp) = create_temporary(path, bits)?;
    pending().push(tmp.clone());
    let result = (|| {
        let mut w = BufWriter::with_capacity(BLOCK, &file);
        body(&mut w).map_err(|e| match e {
            Error::Io { reason, .. } => io_err(path, reason),
            other => other,
        })?;
        w.flush().map_err(io)?;
        drop(w);
        if let Some(m) = mode {
            file.set_permissions(m).map_err(io)?;
        }
        file.sync_all().map_err(io)?;
        fs::rename(&tmp, path).map_err(io)
    })();
    pending().retain(|t| t != &tmp);
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Write `bytes` to `path` atomically, by the rules above (for reports and model files).
///
/// # Errors
/// As [`write_atomic`].
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic(path, |w| {
        w.write_all(bytes).map_err(|e| io_err(path, e.to_string()))
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_planted_link_at_the_temporary_name_is_never_followed() {
        let dir = std::env::temp_dir().join(format!("embgeo-fsx-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let victim = dir.join("victim");
        fs::write(&victim, b"precious").unwrap();
        let dest = dir.join("out.npy");
        // an attacker guessed the first name (and planted a dangling link at the second)
        std::os::unix::fs::symlink(&victim, dir.join(".out.npy.guess1.tmp")).unwrap();
        std::os::unix::fs::symlink(dir.join("nowhere"), dir.join(".out.npy.guess2.tmp")).unwrap();
        let mut names = [".guess1.tmp", ".guess2.tmp", ".fresh.tmp"].into_iter();
        let (mut f, tmp) =
            create_temporary_with(&dest, 0o600, |_| Ok(names.next().unwrap().to_string())).unwrap();
        assert_eq!(tmp, dir.join(".out.npy.fresh.tmp"));
        f.write_all(b"new").unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        assert!(!dir.join("nowhere").exists());
        // random names differ
        assert_ne!(random_suffix(&dest).unwrap(), random_suffix(&dest).unwrap());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn pending_temporaries_are_removed_on_request() {
        let dir = std::env::temp_dir().join(format!("embgeo-fsx-p-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let (_f, tmp) = create_temporary(&dir.join("x"), 0o600).unwrap();
        pending().push(tmp.clone());
        assert!(remove_pending_temporaries() >= 1);
        assert!(!tmp.exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
