//! Model files: the safetensors layout (binary) and a JSON form, for [`Pca`] and [`Whitener`].
//!
//! Binary (`*_to_bytes`): a safetensors file (8-byte little-endian header length, JSON header,
//! raw little-endian tensors) readable by Python's `safetensors` package. All tensors are F64:
//!
//! | model | tensors |
//! |---|---|
//! | PCA (fitted) | `components` (k × d), `explained_variance`, `explained_variance_ratio`, `singular_values` (k), `mean` (d) |
//! | PCA (with moments) | `moments.mean` (d), `moments.comoment` (d × d) |
//! | Whitener (fitted) | `mean` (d), `eigenvalues` (k), `axes` (k × d), `matrix` (d × out) |
//! | Whitener (with moments) | `moments.mean` (d), `moments.comoment` (d × d) |
//!
//! `__metadata__` (all strings): `format` (`"embgeo.PCA"` / `"embgeo.Whitener"`), `version`
//! (`"1"`), `createdBy`, `params` (JSON of the options), `state` (JSON of the scalars), for
//! a model with moments `moments` (JSON: `nFeatures`, `nSamples`, `weightSum`, and
//! `weighted: true` for a weighted whitener's), and `crc32`: the
//! CRC-32 (IEEE, 8 hex digits) of the canonical header without that entry followed by the data
//! section, checked on load (a flipped bit anywhere is `BadModel`; files from before the
//! checksum, without the entry, still load).
//!
//! Size, as a partial state: the moments of d features are `8·(d² + d)` bytes of tensors plus a
//! header under 1 KiB (d = 768: 4.7 MB); a fitted PCA adds `8·(k·d + 3k + d)`, a fitted
//! whitener `8·(d + k + k·d + d·out)` (out = k for PCA whitening, d for ZCA). Whiteners written
//! before moments were kept still load (they can transform, not stream or merge). The header is
//! written with sorted keys, so the bytes are deterministic. Readers check `format` and
//! `version` and every tensor's dtype and shape (`BadModel` otherwise).
//!
//! JSON (`*_to_json`): `{ format, version, createdBy, params, state, moments }` (a weighted
//! whitener adds `momentsWeighted: true`) with every number written in shortest round-trip
//! form (exact).

use std::collections::{BTreeMap, HashMap};

use embgeo_core::{Error, Result};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::{Deserialize, Serialize};

use crate::pca::{Fitted, Params as PcaParams};
use crate::whiten::{Params as WhitenParams, WhitenState};
use crate::{Moments, Pca, Solver, Whitener};

/// `format` of a serialised [`Pca`].
pub const PCA_FORMAT: &str = "embgeo.PCA";
/// `format` of a serialised [`Whitener`].
pub const WHITENER_FORMAT: &str = "embgeo.Whitener";
/// The one model version this crate writes and reads.
pub const VERSION: u32 = 1;
/// Metadata entry holding the CRC-32 of the data section (see the module docs).
const CRC_KEY: &str = "crc32";

fn created_by() -> String {
    format!("embgeo-pca {}", env!("CARGO_PKG_VERSION"))
}

fn bad(msg: impl Into<String>) -> Error {
    Error::BadModel(msg.into())
}

fn json_err(what: &str, e: &serde_json::Error) -> Error {
    bad(format!("{what}: invalid JSON ({e})"))
}

fn to_le(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Scalars of a fitted PCA stored in the `state` metadata entry.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PcaScalars {
    fitted: bool,
    solver: Option<Solver>,
    n_components: usize,
    noise_variance: f64,
    n_features_in: usize,
    n_samples_seen: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MomentScalars {
    n_features: usize,
    n_samples: u64,
    weight_sum: f64,
    /// Accumulated with per-row weights (whiteners only; absent = false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    weighted: bool,
}

/// Add the moments' tensors and `moments` metadata entry (see the module docs).
fn put_moments(
    tensors: &mut Vec<(&str, Vec<usize>, Vec<u8>)>,
    meta: &mut BTreeMap<String, String>,
    m: &Moments,
    weighted: bool,
) -> Result<()> {
    let d = m.n_features();
    tensors.push(("moments.mean", vec![d], to_le(m.mean())));
    tensors.push(("moments.comoment", vec![d, d], to_le(m.comoment())));
    meta.insert(
        "moments".into(),
        to_json_string(&MomentScalars {
            n_features: d,
            n_samples: m.n_samples(),
            weight_sum: m.weight_sum(),
            weighted,
        })?,
    );
    Ok(())
}

/// The moments written by [`put_moments`] and their weighting, if the file has them.
fn get_moments(st: &SafeTensors<'_>, meta: &HashMap<String, String>) -> Result<Option<(Moments, bool)>> {
    if !meta.contains_key("moments") {
        return Ok(None);
    }
    let m: MomentScalars = meta_json(meta, "moments")?;
    let d = m.n_features;
    let moments = Moments::from_parts(
        d,
        m.n_samples,
        m.weight_sum,
        tensor(st, "moments.mean", &[d])?,
        tensor(st, "moments.comoment", &[d, d])?,
    )?;
    Ok(Some((moments, m.weighted)))
}

/// Moments read by serde (JSON), checked as [`Moments::from_parts`] checks them.
fn checked(m: Option<Moments>) -> Result<Option<Moments>> {
    m.map(|m| {
        Moments::from_parts(
            m.n_features(),
            m.n_samples(),
            m.weight_sum(),
            m.mean().to_vec(),
            m.comoment().to_vec(),
        )
    })
    .transpose()
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WhitenScalars {
    fitted: bool,
    n_features: usize,
    n_components: usize,
    n_samples_seen: u64,
    weighted: bool,
}

/// Write tensors and metadata as safetensors with a canonical (sorted-key) header.
fn write(tensors: &[(&str, Vec<usize>, Vec<u8>)], meta: BTreeMap<String, String>) -> Result<Vec<u8>> {
    let views = tensors
        .iter()
        .map(|(name, shape, data)| {
            TensorView::new(Dtype::F64, shape.clone(), data)
                .map(|v| (name.to_string(), v))
                .map_err(|e| Error::Internal(format!("safetensors view: {e:?}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let info: HashMap<String, String> = meta.into_iter().collect();
    let raw = safetensors::serialize(views.iter().map(|(n, v)| (n.clone(), v)), &Some(info))
        .map_err(|e| Error::Internal(format!("safetensors serialize: {e:?}")))?;
    canonicalize(&raw)
}

/// CRC-32 (IEEE, 8 lowercase hex digits) of the canonical header without its `crc32` entry
/// (sorted keys, compact JSON) followed by the data section.
fn checksum(header: &serde_json::Value, data: &[u8]) -> Result<String> {
    let head = serde_json::to_vec(&sorted(header.clone()))
        .map_err(|e| Error::Internal(format!("safetensors header: {e}")))?;
    let mut h = crc32fast::Hasher::new();
    h.update(&head);
    h.update(data);
    Ok(format!("{:08x}", h.finalize()))
}

/// Re-emit the header with sorted keys (the crate writes `__metadata__` from a `HashMap`), with
/// `__metadata__.crc32` ([`checksum`] of the header without it and the data section).
fn canonicalize(raw: &[u8]) -> Result<Vec<u8>> {
    let internal = |m: &str| Error::Internal(format!("safetensors header: {m}"));
    let len_bytes: [u8; 8] = raw
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| internal("short"))?;
    let n = usize::try_from(u64::from_le_bytes(len_bytes)).map_err(|_| internal("length"))?;
    let header = raw.get(8..8 + n).ok_or_else(|| internal("truncated"))?;
    let mut value: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(header).map_err(|e| internal(&e.to_string()))?;
    let crc = checksum(
        &serde_json::to_value(&value).map_err(|e| internal(&e.to_string()))?,
        &raw[8 + n..],
    )?;
    match value.get_mut("__metadata__") {
        Some(serde_json::Value::Object(m)) => {
            m.insert(CRC_KEY.into(), serde_json::Value::String(crc));
        }
        _ => return Err(internal("no __metadata__")),
    }
    let mut out = serde_json::to_vec(&sorted(serde_json::Value::Object(value.into_iter().collect())))
        .map_err(|e| internal(&e.to_string()))?;
    while out.len() % 8 != 0 {
        out.push(b' ');
    }
    let mut bytes = Vec::with_capacity(8 + out.len() + raw.len() - 8 - n);
    bytes.extend_from_slice(&(out.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&out);
    bytes.extend_from_slice(&raw[8 + n..]);
    SafeTensors::deserialize(&bytes).map_err(|e| internal(&format!("{e:?}")))?;
    Ok(bytes)
}

/// Recursively rebuild objects through `BTreeMap` (sorted keys whatever serde_json's features).
fn sorted(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let b: BTreeMap<String, serde_json::Value> = m.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            serde_json::to_value(b).unwrap_or(serde_json::Value::Null)
        }
        other => other,
    }
}

/// Parse safetensors bytes and check `format` and `version`; returns the reader, the metadata
/// and its `params` and `state` entries parsed as `P` and `S`.
fn read<'a, P, S>(bytes: &'a [u8], format: &str) -> Result<(SafeTensors<'a>, HashMap<String, String>, P, S)>
where
    P: for<'de> Deserialize<'de>,
    S: for<'de> Deserialize<'de>,
{
    let st = SafeTensors::deserialize(bytes).map_err(|e| {
        bad(format!(
            "not a safetensors file ({e:?}); expected an {format} model"
        ))
    })?;
    let (header_len, md) =
        SafeTensors::read_metadata(bytes).map_err(|e| bad(format!("bad safetensors header ({e:?})")))?;
    let meta = md.metadata().clone().unwrap_or_default();
    // files written before the checksum was added have none; every file written now has one
    if let Some(want) = meta.get(CRC_KEY) {
        let header = bytes.get(8..8 + header_len).unwrap_or_default();
        let mut value: serde_json::Value =
            serde_json::from_slice(header).map_err(|e| bad(format!("bad safetensors header ({e})")))?;
        if let Some(m) = value
            .get_mut("__metadata__")
            .and_then(serde_json::Value::as_object_mut)
        {
            m.remove(CRC_KEY);
        }
        if checksum(&value, bytes.get(8 + header_len..).unwrap_or_default())? != *want {
            return Err(bad(format!(
                "checksum mismatch: the {format} model is corrupted (crc32 {want} in its header)"
            )));
        }
    }
    match meta.get("format") {
        Some(f) if f == format => {}
        Some(f) => return Err(bad(format!("this is a '{f}' model, not an '{format}' model"))),
        None => {
            return Err(bad(format!(
                "no 'format' in the safetensors metadata; expected '{format}'"
            )))
        }
    }
    check_version(meta.get("version").map(String::as_str), format)?;
    let params = meta_json(&meta, "params")?;
    let state = meta_json(&meta, "state")?;
    Ok((st, meta, params, state))
}

fn check_version(v: Option<&str>, format: &str) -> Result<()> {
    match v {
        Some(v) if v == VERSION.to_string() => Ok(()),
        Some(v) => Err(bad(format!(
            "{format} model version {v} is not supported (this build reads version {VERSION}); \
             upgrade embgeo or re-create the model"
        ))),
        None => Err(bad(format!("no 'version' in the {format} model"))),
    }
}

fn meta_json<T: for<'de> Deserialize<'de>>(meta: &HashMap<String, String>, key: &str) -> Result<T> {
    let s = meta
        .get(key)
        .ok_or_else(|| bad(format!("missing metadata entry '{key}'")))?;
    serde_json::from_str(s).map_err(|e| json_err(key, &e))
}

fn tensor(st: &SafeTensors<'_>, name: &str, shape: &[usize]) -> Result<Vec<f64>> {
    let t = st
        .tensor(name)
        .map_err(|_| bad(format!("missing tensor '{name}'")))?;
    if t.dtype() != Dtype::F64 || t.shape() != shape {
        return Err(bad(format!(
            "tensor '{name}' is {:?} {:?}; expected F64 {shape:?}",
            t.dtype(),
            t.shape()
        )));
    }
    Ok(t.data()
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect())
}

/// Serialise a [`Pca`] (fitted or not) to safetensors bytes.
///
/// # Errors
/// `Internal` if the safetensors writer fails (a bug).
pub fn pca_to_bytes(p: &Pca) -> Result<Vec<u8>> {
    pca_to_bytes_with_metadata(p, &BTreeMap::new())
}

/// As [`pca_to_bytes`], with extra user metadata entries (reserved keys are rejected).
///
/// # Errors
/// `OutOfRange` if `extra` uses a reserved key; `Internal` on a writer failure.
pub fn pca_to_bytes_with_metadata(p: &Pca, extra: &BTreeMap<String, String>) -> Result<Vec<u8>> {
    let mut meta = base_meta(PCA_FORMAT, extra)?;
    meta.insert("params".into(), to_json_string(p.params())?);
    let mut tensors = Vec::new();
    let scalars = match p.fitted() {
        Ok(f) => {
            let (k, d) = (f.n_components, f.n_features_in);
            tensors.push(("components", vec![k, d], to_le(&f.components)));
            tensors.push(("explained_variance", vec![k], to_le(&f.explained_variance)));
            tensors.push((
                "explained_variance_ratio",
                vec![k],
                to_le(&f.explained_variance_ratio),
            ));
            tensors.push(("singular_values", vec![k], to_le(&f.singular_values)));
            tensors.push(("mean", vec![d], to_le(&f.mean)));
            PcaScalars {
                fitted: true,
                solver: Some(f.solver),
                n_components: k,
                noise_variance: f.noise_variance,
                n_features_in: d,
                n_samples_seen: f.n_samples_seen,
            }
        }
        Err(_) => PcaScalars {
            fitted: false,
            solver: None,
            n_components: 0,
            noise_variance: 0.0,
            n_features_in: 0,
            n_samples_seen: 0,
        },
    };
    meta.insert("state".into(), to_json_string(&scalars)?);
    if let Some(m) = p.moments() {
        put_moments(&mut tensors, &mut meta, m, false)?;
    }
    write(&tensors, meta)
}

fn base_meta(format: &str, extra: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>> {
    const RESERVED: [&str; 7] = [
        "format",
        "version",
        "createdBy",
        "params",
        "state",
        "moments",
        CRC_KEY,
    ];
    if let Some(k) = extra.keys().find(|k| RESERVED.contains(&k.as_str())) {
        return Err(Error::OutOfRange {
            name: "metadata",
            expected: format!("keys other than {RESERVED:?}"),
            actual: k.clone(),
        });
    }
    let mut meta = extra.clone();
    meta.insert("format".into(), format.into());
    meta.insert("version".into(), VERSION.to_string());
    meta.insert("createdBy".into(), created_by());
    Ok(meta)
}

fn to_json_string<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(format!("JSON encoding: {e}")))
}

/// Read a [`Pca`] from safetensors bytes written by [`pca_to_bytes`].
///
/// # Errors
/// `BadModel` if the bytes are not safetensors, not an `embgeo.PCA` model, of another
/// version, or their tensors disagree in dtype or shape.
pub fn pca_from_bytes(bytes: &[u8]) -> Result<Pca> {
    let (st, meta, params, s): (_, _, PcaParams, PcaScalars) = read(bytes, PCA_FORMAT)?;
    let fitted = if s.fitted {
        let (k, d) = (s.n_components, s.n_features_in);
        Some(Fitted {
            solver: s.solver.ok_or_else(|| bad("fitted PCA without a solver"))?,
            n_components: k,
            components: tensor(&st, "components", &[k, d])?,
            explained_variance: tensor(&st, "explained_variance", &[k])?,
            explained_variance_ratio: tensor(&st, "explained_variance_ratio", &[k])?,
            singular_values: tensor(&st, "singular_values", &[k])?,
            mean: tensor(&st, "mean", &[d])?,
            noise_variance: s.noise_variance,
            n_features_in: d,
            n_samples_seen: s.n_samples_seen,
        })
    } else {
        None
    };
    let moments = get_moments(&st, &meta)?.map(|(m, _)| m);
    Pca::from_parts(params, fitted, moments)
}

/// Serialise a [`Whitener`] (fitted or not) to safetensors bytes.
///
/// # Errors
/// `Internal` if the safetensors writer fails (a bug).
pub fn whitener_to_bytes(w: &Whitener) -> Result<Vec<u8>> {
    let mut meta = base_meta(WHITENER_FORMAT, &BTreeMap::new())?;
    meta.insert("params".into(), to_json_string(w.params())?);
    let mut tensors = Vec::new();
    let scalars = match w.state() {
        Ok(s) => {
            let (d, k, out) = (s.n_features, s.eigenvalues.len(), s.out_dim());
            tensors.push(("mean", vec![d], to_le(&s.mean)));
            tensors.push(("eigenvalues", vec![k], to_le(&s.eigenvalues)));
            tensors.push(("axes", vec![k, d], to_le(&s.axes)));
            tensors.push(("matrix", vec![d, out], to_le(&s.matrix)));
            WhitenScalars {
                fitted: true,
                n_features: d,
                n_components: k,
                n_samples_seen: s.n_samples_seen,
                weighted: s.weighted,
            }
        }
        Err(_) => WhitenScalars {
            fitted: false,
            n_features: 0,
            n_components: 0,
            n_samples_seen: 0,
            weighted: false,
        },
    };
    meta.insert("state".into(), to_json_string(&scalars)?);
    if let Some(m) = w.moments() {
        put_moments(&mut tensors, &mut meta, m, w.weighted())?;
    }
    write(&tensors, meta)
}

/// Read a [`Whitener`] from safetensors bytes written by [`whitener_to_bytes`].
///
/// # Errors
/// `BadModel` as [`pca_from_bytes`].
pub fn whitener_from_bytes(bytes: &[u8]) -> Result<Whitener> {
    let (st, meta, params, s): (_, _, WhitenParams, WhitenScalars) = read(bytes, WHITENER_FORMAT)?;
    let state = if s.fitted {
        let (d, k) = (s.n_features, s.n_components);
        let out = match params.method {
            crate::Method::Pca => k,
            crate::Method::Zca => d,
        };
        Some(WhitenState {
            mean: tensor(&st, "mean", &[d])?,
            eigenvalues: tensor(&st, "eigenvalues", &[k])?,
            axes: tensor(&st, "axes", &[k, d])?,
            matrix: tensor(&st, "matrix", &[d, out])?,
            n_features: d,
            n_samples_seen: s.n_samples_seen,
            weighted: s.weighted,
        })
    } else {
        None
    };
    let (moments, weighted) = match get_moments(&st, &meta)? {
        Some((m, w)) => (Some(m), w),
        None => (None, s.weighted),
    };
    Whitener::from_parts(params, state, moments, weighted)
}

/// The JSON form of a [`Pca`].
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PcaJson {
    format: String,
    version: u32,
    created_by: String,
    params: PcaParams,
    state: Option<Fitted>,
    moments: Option<Moments>,
}

/// The JSON form of a [`Whitener`].
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WhitenerJson {
    format: String,
    version: u32,
    created_by: String,
    params: WhitenParams,
    state: Option<WhitenState>,
    #[serde(default)]
    moments: Option<Moments>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    moments_weighted: bool,
}

/// `{ format: "embgeo.PCA", version: 1, createdBy, params, state, moments }` as a JSON string.
///
/// # Errors
/// `Internal` on an encoding failure (a bug).
pub fn pca_to_json(p: &Pca) -> Result<String> {
    to_json_string(&PcaJson {
        format: PCA_FORMAT.into(),
        version: VERSION,
        created_by: created_by(),
        params: *p.params(),
        state: p.fitted().ok().cloned(),
        moments: p.moments().cloned(),
    })
}

/// Read the JSON form written by [`pca_to_json`].
///
/// # Errors
/// `BadModel` for invalid JSON, another `format`, another `version`, or inconsistent shapes.
pub fn pca_from_json(s: &str) -> Result<Pca> {
    let head: serde_json::Value = serde_json::from_str(s).map_err(|e| json_err("PCA JSON", &e))?;
    check_json_head(&head, PCA_FORMAT)?;
    let j: PcaJson = serde_json::from_value(head).map_err(|e| json_err("PCA JSON", &e))?;
    Pca::from_parts(j.params, j.state, checked(j.moments)?)
}

/// `{ format: "embgeo.Whitener", version: 1, createdBy, params, state, moments }` (plus
/// `momentsWeighted: true` for a weighted whitener) as a JSON string.
///
/// # Errors
/// `Internal` on an encoding failure (a bug).
pub fn whitener_to_json(w: &Whitener) -> Result<String> {
    to_json_string(&WhitenerJson {
        format: WHITENER_FORMAT.into(),
        version: VERSION,
        created_by: created_by(),
        params: *w.params(),
        state: w.state().ok().cloned(),
        moments: w.moments().cloned(),
        moments_weighted: w.weighted() && w.moments().is_some(),
    })
}

/// Read the JSON form written by [`whitener_to_json`].
///
/// # Errors
/// `BadModel` as [`pca_from_json`].
pub fn whitener_from_json(s: &str) -> Result<Whitener> {
    let head: serde_json::Value = serde_json::from_str(s).map_err(|e| json_err("Whitener JSON", &e))?;
    check_json_head(&head, WHITENER_FORMAT)?;
    let j: WhitenerJson = serde_json::from_value(head).map_err(|e| json_err("Whitener JSON", &e))?;
    let weighted = match (&j.moments, &j.state) {
        (None, Some(s)) => s.weighted,
        _ => j.moments_weighted,
    };
    Whitener::from_parts(j.params, j.state, checked(j.moments)?, weighted)
}

fn check_json_head(v: &serde_json::Value, format: &str) -> Result<()> {
    match v.get("format").and_then(serde_json::Value::as_str) {
        Some(f) if f == format => {}
        Some(f) => return Err(bad(format!("this is a '{f}' model, not an '{format}' model"))),
        None => return Err(bad(format!("no 'format' field; expected '{format}'"))),
    }
    let ver = v.get("version").map(ToString::to_string);
    check_version(ver.as_deref(), format)
}

#[cfg(test)]
mod tests {
    use super::*;
    use embgeo_core::{Ctl, MatRef};

    fn fitted_pca() -> Pca {
        let x: Vec<f64> = (0..120u32).map(|i| f64::from((i * 7919) % 101) / 10.0).collect();
        let mut p = Pca::new(PcaParams::default()).unwrap();
        p.partial_fit(MatRef::new(&x, 30, 4).unwrap(), &Ctl::detached())
            .unwrap();
        p
    }

    #[test]
    fn pca_bytes_and_json_round_trip_exactly_and_deterministically() {
        let p = fitted_pca();
        let b = pca_to_bytes(&p).unwrap();
        assert_eq!(b, pca_to_bytes(&p).unwrap());
        assert_eq!(pca_from_bytes(&b).unwrap(), p);
        assert_eq!(pca_from_json(&pca_to_json(&p).unwrap()).unwrap(), p);
        let empty = Pca::new(PcaParams::default()).unwrap();
        assert_eq!(pca_from_bytes(&pca_to_bytes(&empty).unwrap()).unwrap(), empty);
    }

    #[test]
    fn a_flipped_or_missing_byte_anywhere_is_bad_model() {
        let b = pca_to_bytes(&fitted_pca()).unwrap();
        let (hlen, _) = SafeTensors::read_metadata(&b).unwrap();
        // the header (a character of the createdBy value: valid JSON either way) and every data byte
        let created = b.windows(9).position(|w| w == b"createdBy").unwrap() + 13;
        for i in [0, 3, 8, created].into_iter().chain(8 + hlen..b.len()) {
            let mut c = b.clone();
            c[i] ^= 0x01;
            assert_eq!(
                pca_from_bytes(&c).unwrap_err().code(),
                "ERR_BAD_MODEL",
                "byte {i}"
            );
        }
        for n in [0, 7, 8 + hlen, b.len() - 1] {
            assert_eq!(
                pca_from_bytes(&b[..n]).unwrap_err().code(),
                "ERR_BAD_MODEL",
                "length {n}"
            );
        }
        let w = whitener_to_bytes(&Whitener::new(WhitenParams::bert(None)).unwrap()).unwrap();
        assert!(std::str::from_utf8(&w[8..]).unwrap_or("").contains("\"crc32\""));
    }

    #[test]
    fn wrong_format_version_or_garbage_is_bad_model() {
        let p = fitted_pca();
        let b = pca_to_bytes(&p).unwrap();
        assert_eq!(whitener_from_bytes(&b).unwrap_err().code(), "ERR_BAD_MODEL");
        assert_eq!(
            pca_from_bytes(b"not a model").unwrap_err().code(),
            "ERR_BAD_MODEL"
        );
        let j = pca_to_json(&p).unwrap().replace("\"version\":1", "\"version\":2");
        let e = pca_from_json(&j).unwrap_err();
        assert_eq!(e.code(), "ERR_BAD_MODEL");
        assert!(e.to_string().contains("version 2"), "{e}");
        let j = pca_to_json(&p).unwrap().replace("embgeo.PCA", "embgeo.Whitener");
        assert_eq!(pca_from_json(&j).unwrap_err().code(), "ERR_BAD_MODEL");
        let mut extra = BTreeMap::new();
        extra.insert("format".to_string(), "x".to_string());
        assert_eq!(
            pca_to_bytes_with_metadata(&p, &extra).unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
    }

    #[test]
    fn whitener_round_trips() {
        let x: Vec<f32> = (0..120).map(|i| ((i * 7919) % 101) as f32 / 10.0).collect();
        for params in [WhitenParams::default(), WhitenParams::zca(1e-6)] {
            let mut w = Whitener::new(params).unwrap();
            w.fit(MatRef::new(&x, 30, 4).unwrap(), None, &Ctl::detached())
                .unwrap();
            assert_eq!(whitener_from_bytes(&whitener_to_bytes(&w).unwrap()).unwrap(), w);
            assert_eq!(whitener_from_json(&whitener_to_json(&w).unwrap()).unwrap(), w);
            assert_eq!(
                pca_from_bytes(&whitener_to_bytes(&w).unwrap())
                    .unwrap_err()
                    .code(),
                "ERR_BAD_MODEL"
            );
        }
    }
}
