//! Fault injection for a binding's test suite: jobs that panic or sleep on purpose.
//!
//! They run only when the environment variable `EMBGEO_TEST_HOOKS=1` is set in the process (the
//! test suite sets it); otherwise they fail with `Internal` without panicking, so the hooks are
//! inert in production even though they ship in the binary.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use embgeo_core::{chunks::map_chunks, Ctl, Error, Result};

use crate::job::Job;

/// `Ok` only when `EMBGEO_TEST_HOOKS=1` is set; otherwise `Internal`, so hooks stay inert.
fn hooks_enabled() -> Result<()> {
    if std::env::var("EMBGEO_TEST_HOOKS").as_deref() == Ok("1") {
        Ok(())
    } else {
        Err(Error::Internal(
            "test hooks are disabled (set EMBGEO_TEST_HOOKS=1)".into(),
        ))
    }
}

/// Panics in the calling thread (`"caller"`) or inside a pool worker (`"worker"`).
pub struct PanicJob {
    /// `"caller"` or `"worker"`.
    pub place: String,
}

impl Job for PanicJob {
    type Output = u32;

    fn run(&self, ctl: &Ctl<'_>) -> Result<u32> {
        hooks_enabled()?;
        match self.place.as_str() {
            "caller" => panic!("injected panic in the caller"),
            "worker" => {
                let parts = map_chunks(ctl, "panic", 64, 1, |r| {
                    assert!(r.start != 37, "injected panic in a pool worker");
                    Ok(1u32)
                })?;
                Ok(parts.iter().sum())
            }
            other => Err(Error::OutOfRange {
                name: "place",
                expected: "'caller' or 'worker'".into(),
                actual: other.into(),
            }),
        }
    }
}

static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// Sleeps `steps` × `ms` milliseconds in checkpointed steps, reporting progress per step; returns
/// the largest number of such jobs that were running at once while it ran (to test the queue).
pub struct SleepJob {
    /// Steps.
    pub steps: u32,
    /// Milliseconds per step.
    pub ms: u32,
}

impl Job for SleepJob {
    type Output = u32;

    fn run(&self, ctl: &Ctl<'_>) -> Result<u32> {
        hooks_enabled()?;
        let mut peak = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
        let result = (|| {
            for step in 0..self.steps {
                ctl.checkpoint()?;
                std::thread::sleep(Duration::from_millis(u64::from(self.ms)));
                peak = peak.max(RUNNING.load(Ordering::SeqCst));
                ctl.advance("sleep", u64::from(step) + 1, u64::from(self.steps));
            }
            Ok(())
        })();
        RUNNING.fetch_sub(1, Ordering::SeqCst);
        result.map(|()| peak as u32)
    }
}
