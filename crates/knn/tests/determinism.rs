//! Bit-identical output for 1 and 2 threads, `Par::Seq` and `Par::Rayon`, any tiling.

mod common;

use common::{clustered, to_f32, with_duplicates, METRICS};
use embgeo_core::{Ctl, MatRef, Par};
use embgeo_knn::{all_points, search, Params};

fn pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap()
}

#[test]
fn one_and_two_threads_give_identical_bits() {
    let (p1, p2) = (pool(1), pool(2));
    let d = 12;
    let x = to_f32(&with_duplicates(240, d, 3));
    let q = to_f32(&clustered(40, d, 3, 4));
    for metric in METRICS {
        for k in [1, 10, 120] {
            let p = Params {
                query_block: 32,
                corpus_block: 64,
                ..Params::new(k, metric)
            };
            let run = |pl: &rayon::ThreadPool, par: Par| {
                pl.install(|| {
                    let ctl = Ctl::detached().with_par(par);
                    let a = all_points(MatRef::new(&x, 240, d).unwrap(), &p, &ctl).unwrap();
                    let s = search(
                        MatRef::new(&x, 240, d).unwrap(),
                        MatRef::new(&q, 40, d).unwrap(),
                        &p,
                        &ctl,
                    )
                    .unwrap();
                    (a, s)
                })
            };
            let one = run(&p1, Par::Rayon);
            let two = run(&p2, Par::Rayon);
            let seq = run(&p2, Par::Seq);
            assert_eq!(one, two, "{metric:?} k={k}");
            assert_eq!(one, seq, "{metric:?} k={k} seq");
            // tiling never changes results either
            let other = pool(2).install(|| {
                all_points(
                    MatRef::new(&x, 240, d).unwrap(),
                    &Params::new(k, metric),
                    &Ctl::detached(),
                )
                .unwrap()
            });
            assert_eq!(one.0, other, "{metric:?} k={k} tiles");
        }
    }
}
