//! A panic that cannot unwind (WebAssembly): recorded, so no caller waits for its thread.
//!
//! On `wasm32-wasip1-threads` Rust cannot unwind: after the panic hook a panic traps, and the
//! trap ends the whole wasm thread (a Web/Node `Worker`) with whatever locks it held and
//! whatever pool work it had taken. A caller waiting for that work would wait for ever, and
//! emnapi re-throws a worker's trap on the main thread, where it is an uncaught exception that
//! ends a Node process. So on WebAssembly [`install`] puts a hook in front of the default one
//! that records the panic and, on a pool thread (named `embgeo-*`), then parks that thread for
//! good instead of letting it trap: the work it held is lost, but no Worker dies.
//! [`crate::execute_shared`] waits in short slices, and once [`crashed`] says so it fails the
//! call with `Error::Internal` instead of waiting, and fails every later call at once: nothing
//! in an instance that lost a thread can be trusted. A panic on any other thread (the JS
//! thread itself, in a function that runs there) is recorded and then traps as before: the
//! call throws a `RuntimeError`, and later calls fail at once.
//!
//! On native targets panics unwind, `execute` catches them, and nothing is installed here:
//! [`crashed`] stays `None`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};

/// Set by the hook before the message is stored; never cleared.
static CRASHED: AtomicBool = AtomicBool::new(false);
/// The first panic's message (and where it happened).
static MESSAGE: Mutex<Option<String>> = Mutex::new(None);
static INSTALL: Once = Once::new();

/// Put the recording hook in front of the current one (once per process; WebAssembly only).
pub fn install() {
    if cfg!(target_family = "wasm") {
        INSTALL.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                record(&info.to_string().replace('\n', " "));
                previous(info);
                if std::thread::current()
                    .name()
                    .is_some_and(|n| n.starts_with(crate::pool::THREAD_PREFIX))
                {
                    // A pool thread: park for good rather than trap (see the module docs).
                    loop {
                        std::thread::park();
                    }
                }
            }));
        });
    }
}

/// Record a panic that is about to end its thread. Never blocks: if another thread holds the
/// message slot, the flag alone is raised.
pub fn record(message: &str) {
    if let Ok(mut slot) = MESSAGE.try_lock() {
        slot.get_or_insert_with(|| message.to_string());
    }
    CRASHED.store(true, Ordering::SeqCst);
}

/// The recorded panic, if a thread died of one: its message, or a placeholder if the message
/// could not be stored.
pub fn crashed() -> Option<String> {
    if !CRASHED.load(Ordering::SeqCst) {
        return None;
    }
    let slot = MESSAGE.try_lock().ok().and_then(|s| s.clone());
    Some(slot.unwrap_or_else(|| "a panic (message not recorded)".to_string()))
}
