//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::Cursor;

use embgeo_io::{read_from, Ctl, Embeddings, Format, Options, Result, Table, Values, WriteData};

/// Read `bytes` as if they were the file `name`.
pub fn read_bytes(name: &str, bytes: &[u8], o: &Options) -> Result<Embeddings> {
    read_from(Cursor::new(bytes), bytes.len() as u64, name, o, &Ctl::detached())
}

/// Options with only the format set.
pub fn fmt(f: Format) -> Options {
    Options {
        format: Some(f),
        ..Options::default()
    }
}

/// `.npy` bytes of `data` written by the crate's writer.
pub fn npy(data: WriteData<'_>, rows: usize, cols: usize) -> Vec<u8> {
    let mut out = Vec::new();
    embgeo_io::write_npy_to(&mut out, Table::new(data, rows, cols).unwrap(), &Ctl::detached()).unwrap();
    out
}

/// `.fvecs`/`.ivecs`/`.bvecs` bytes of `data`.
pub fn vecs(data: WriteData<'_>, rows: usize, cols: usize) -> Vec<u8> {
    let mut out = Vec::new();
    embgeo_io::write_vecs_to(&mut out, Table::new(data, rows, cols).unwrap(), &Ctl::detached()).unwrap();
    out
}

/// The values widened to f64.
pub fn as_f64(v: &Values) -> Vec<f64> {
    match v {
        Values::F32(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Values::F64(v) => v.clone(),
    }
}

/// `rows × cols` small integers as f32 (exact in every format).
pub fn grid(rows: usize, cols: usize) -> Vec<f32> {
    (0..rows * cols).map(|i| (i as f32) * 0.5 - 3.0).collect()
}

/// An npy v1 file with the given header dict and data bytes (header padded as numpy does).
pub fn npy_raw(dict: &str, data: &[u8]) -> Vec<u8> {
    let unpadded = 10 + dict.len() + 1;
    let total = unpadded.div_ceil(64) * 64;
    let mut h = b"\x93NUMPY\x01\x00".to_vec();
    h.extend_from_slice(&((total - 10) as u16).to_le_bytes());
    h.extend_from_slice(dict.as_bytes());
    h.resize(total - 1, b' ');
    h.push(b'\n');
    h.extend_from_slice(data);
    h
}

/// A safetensors file with `(name, dtype, shape, bytes)` tensors, via the reference crate.
pub fn safetensors(tensors: &[(&str, safetensors::Dtype, Vec<usize>, Vec<u8>)]) -> Vec<u8> {
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .iter()
        .map(|(n, d, s, b)| {
            (
                (*n).to_string(),
                safetensors::tensor::TensorView::new(*d, s.clone(), b).unwrap(),
            )
        })
        .collect();
    safetensors::serialize(views, &None).unwrap()
}

/// Little-endian bytes of f32 values.
pub fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
