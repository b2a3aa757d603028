//! Writes `__test__/fixtures/pca/model-pca.safetensors`: a PCA fitted (covariance solver, so the
//! exact moments are included) on the input of fixture `f64-full-rank-ratio-covariance-whiten`.
//!
//! The file is checked in Python with the `safetensors` package by
//! `scripts/reference/pca.py verify-model` (tensors vs scikit-learn at 1e-10) and read back in
//! Rust by `tests/parity.rs::committed_model_file_reads_back`.
//!
//! Run: `cargo run -p embgeo-pca --example write_model_fixture`

use std::collections::BTreeMap;
use std::path::PathBuf;

use embgeo_core::{Ctl, MatRef};
use embgeo_pca::model_io::pca_to_bytes_with_metadata;
use embgeo_pca::pca::Params;
use embgeo_pca::{NComponents, Pca, Solver};

const FIXTURE: &str = "f64-full-rank-ratio-covariance-whiten";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../__test__/fixtures/pca");
    let fx: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{FIXTURE}.json")))?)?;
    let input = &fx["input"];
    let rows = usize::try_from(input["rows"].as_u64().ok_or("rows")?)?;
    let cols = usize::try_from(input["cols"].as_u64().ok_or("cols")?)?;
    let data: Vec<f64> = input["data"]
        .as_array()
        .ok_or("data")?
        .iter()
        .map(|v| v.as_f64().ok_or("number"))
        .collect::<Result<_, _>>()?;
    let ratio = input["n_components"]["varianceRatio"]
        .as_f64()
        .ok_or("varianceRatio")?;
    let mut p = Pca::new(Params {
        n_components: NComponents::VarianceRatio(ratio),
        solver: Solver::Covariance,
        whiten: true,
        ..Params::default()
    })?;
    p.fit(MatRef::new(&data, rows, cols)?, &Ctl::detached())?;
    let mut extra = BTreeMap::new();
    extra.insert("fixture".to_string(), FIXTURE.to_string());
    let bytes = pca_to_bytes_with_metadata(&p, &extra)?;
    let out = dir.join("model-pca.safetensors");
    std::fs::write(&out, &bytes)?;
    println!("wrote {} ({} bytes)", out.display(), bytes.len());
    Ok(())
}
