//! The file-system rules (src/fsx.rs): only regular files are read or replaced, so a FIFO can
//! never block a read; writes keep the destination's mode, refuse read-only destinations and
//! leave no temporary behind.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::grid;
use embgeo_io::{read, write_file_atomic, write_npy, Ctl, Options, Table, WriteData};

fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("embgeo-rules-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn mkfifo(p: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo failed");
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

fn names(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn non_regular_files_are_refused_without_blocking() {
    let d = dir("fifo");
    let fifo = d.join("pipe.npy");
    mkfifo(&fifo);
    let ctl = Ctl::detached();
    let t = Instant::now();
    // no writer ever opens the pipe: a plain open() would block forever
    for p in [
        fifo.as_path(),
        Path::new("/dev/null"),
        Path::new("/dev/zero"),
        d.as_path(),
    ] {
        let e = read(p, &Options::default(), &ctl).unwrap_err();
        assert_eq!(e.code(), "ERR_IO", "{p:?}: {e}");
        assert!(e.to_string().contains("only regular files"), "{e}");
    }
    let e = read(&fifo, &Options::default(), &ctl).unwrap_err();
    assert!(e.to_string().contains("a FIFO (named pipe)"), "{e}");
    let e = read(Path::new("/dev/null"), &Options::default(), &ctl).unwrap_err();
    assert!(e.to_string().contains("a character device"), "{e}");
    // writers refuse such destinations too (renaming over a FIFO would replace it silently)
    let x = grid(2, 2);
    let e = write_npy(&fifo, Table::new(WriteData::F32(&x), 2, 2).unwrap(), &ctl).unwrap_err();
    assert!(e.to_string().contains("a FIFO"), "{e}");
    let e = write_file_atomic(&d, b"x").unwrap_err();
    assert!(e.to_string().contains("a directory"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(5));
    assert_eq!(names(&d), vec!["pipe.npy"]);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn overwriting_keeps_the_mode_and_read_only_is_refused() {
    let d = dir("mode");
    let ctl = Ctl::detached();
    let x = grid(3, 2);
    let p = d.join("private.npy");
    write_npy(&p, Table::new(WriteData::F32(&x), 3, 2).unwrap(), &ctl).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    write_npy(&p, Table::new(WriteData::F32(&x), 3, 2).unwrap(), &ctl).unwrap();
    assert_eq!(mode(&p), 0o600);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    write_file_atomic(&p, b"bytes").unwrap();
    assert_eq!(mode(&p), 0o640);
    assert_eq!(std::fs::read(&p).unwrap(), b"bytes");

    let ro = d.join("ro.npy");
    std::fs::write(&ro, b"keep").unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    let e = write_npy(&ro, Table::new(WriteData::F32(&x), 3, 2).unwrap(), &ctl).unwrap_err();
    assert_eq!(e.code(), "ERR_IO");
    assert!(e.to_string().contains("read-only"), "{e}");
    assert_eq!(std::fs::read(&ro).unwrap(), b"keep");
    assert_eq!(names(&d), vec!["private.npy", "ro.npy"]);
    std::fs::remove_dir_all(&d).unwrap();
}
