//! `Index` answers exactly like `search` on the same rows, before and after a byte round trip.

mod common;

use common::{assert_same, gaussian, naive, to_f32, METRICS};
use embgeo_core::{Ctl, MatRef};
use embgeo_knn::{search, Index, Params};

#[test]
fn index_equals_search_and_survives_serialisation() {
    let d = 9;
    let x = to_f32(&gaussian(120, d, 5));
    let q = to_f32(&gaussian(30, d, 6));
    for metric in METRICS {
        let mut idx = Index::<f32>::new(metric, d).unwrap();
        idx.add(MatRef::new(&x[..50 * d], 50, d).unwrap()).unwrap();
        idx.add(MatRef::new(&x[50 * d..], 70, d).unwrap()).unwrap();
        assert_eq!((idx.len(), idx.dim(), idx.metric()), (120, d, metric));
        assert!(idx.memory_bytes() >= 120 * d * 4);
        let qm = MatRef::new(&q, 30, d).unwrap();
        let got = idx.search(qm, 6, &Ctl::detached()).unwrap();
        let want = search(
            MatRef::new(&x, 120, d).unwrap(),
            qm,
            &Params::new(6, metric),
            &Ctl::detached(),
        )
        .unwrap();
        assert_eq!(got, want);
        assert_same(&got, &naive(&x, Some(&q), d, 6, metric), &format!("{metric:?}"));
        let back = Index::<f32>::from_bytes(&idx.to_bytes()).unwrap();
        assert_eq!(back.search(qm, 6, &Ctl::detached()).unwrap(), got);
        // few-query path
        let one = idx
            .search(MatRef::new(&q[..d], 1, d).unwrap(), 4, &Ctl::detached())
            .unwrap();
        assert_same(&one, &naive(&x, Some(&q[..d]), d, 4, metric), "one query");
    }
}

#[test]
fn f64_index_round_trips() {
    let d = 4;
    let x = gaussian(40, d, 1);
    let mut idx = Index::<f64>::new(embgeo_knn::Metric::Dot, d).unwrap();
    idx.add(MatRef::new(&x, 40, d).unwrap()).unwrap();
    let b = idx.to_bytes();
    let back = Index::<f64>::from_bytes(&b).unwrap();
    let q = MatRef::new(&x[..2 * d], 2, d).unwrap();
    assert_eq!(
        back.search(q, 3, &Ctl::detached()).unwrap(),
        idx.search(q, 3, &Ctl::detached()).unwrap()
    );
    assert_eq!(Index::<f32>::from_bytes(&b).unwrap_err().code(), "ERR_BAD_MODEL");
}
