//! The caller of `execute_shared` stops waiting for a thread that died of a panic (what a panic does on
//! WebAssembly), here simulated natively: the job records the crash as the WebAssembly panic hook
//! would, then never returns, like its dead thread. Its own process (an integration test): the
//! crash record is process-wide and permanent.

use std::sync::Arc;
use std::time::{Duration, Instant};

use embgeo_core::{Ctl, Error, Result};
use embgeo_jobs::{crash, execute, execute_shared, ControlState, Job};

/// Records a crash, then blocks its pool thread for good (a dead thread never answers).
struct Dies;

impl Job for Dies {
    type Output = u32;
    fn run(&self, _: &Ctl<'_>) -> Result<u32> {
        crash::record("injected: the thread died");
        loop {
            std::thread::park();
        }
    }
}

/// Would answer 7, if it ran.
struct Answers;

impl Job for Answers {
    type Output = u32;
    fn run(&self, _: &Ctl<'_>) -> Result<u32> {
        Ok(7)
    }
}

#[test]
fn a_dead_thread_fails_the_call_and_every_later_one() {
    assert!(crash::crashed().is_none());
    assert_eq!(execute_shared(Arc::new(Answers), Arc::default()).ok(), Some(7));

    let start = Instant::now();
    let failed = execute_shared(Arc::new(Dies), Arc::new(ControlState::default()));
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "the caller kept waiting"
    );
    assert!(
        matches!(&failed, Err(Error::Internal(m)) if m.contains("injected: the thread died") && m.contains("reload")),
        "{failed:?}"
    );

    // Later calls fail at once, without running.
    for later in [
        execute_shared(Arc::new(Answers), Arc::default()),
        execute(&Answers, &ControlState::default()),
    ] {
        assert!(
            matches!(&later, Err(Error::Internal(m)) if m.contains("died of a panic")),
            "{later:?}"
        );
    }
}
