//! Results shared between the cases of one process: a computation several claims need
//! (a zoo of reward models, a grid of hitting times) runs once, even when the claims run
//! in parallel.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use crate::error::Error;

type Slot = Arc<dyn Any + Send + Sync>;

static SLOTS: LazyLock<Mutex<HashMap<(TypeId, String), Slot>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The value of `compute` for `key`, computed at most once per process. Concurrent
/// callers with the same key wait for the first computation instead of repeating it.
///
/// # Errors
/// The error of the first computation, for every caller with that key.
pub fn shared<T, F>(key: &str, compute: F) -> Result<Arc<T>, Error>
where
    T: Send + Sync + 'static,
    F: FnOnce() -> Result<T, Error>,
{
    let slot: Slot = {
        let mut slots = SLOTS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        slots
            .entry((TypeId::of::<T>(), key.to_string()))
            .or_insert_with(|| Arc::new(OnceLock::<Result<Arc<T>, String>>::new()))
            .clone()
    };
    let cell = slot
        .downcast_ref::<OnceLock<Result<Arc<T>, String>>>()
        .expect("slots are keyed by type");
    // Errors are kept as text (the cell is shared between threads); a numerical failure
    // keeps its own message so that it is not prefixed twice when rebuilt.
    cell.get_or_init(|| {
        compute().map(Arc::new).map_err(|error| match error {
            Error::Numerical(message) => message,
            other => other.to_string(),
        })
    })
    .clone()
    .map_err(Error::Numerical)
}

/// Forgets every shared result (for benchmarks that time a cold run).
pub fn clear() {
    SLOTS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clear();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_key_is_computed_once_and_errors_are_shared() {
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        let compute = || {
            CALLS.fetch_add(1, Ordering::SeqCst);
            Ok(42u32)
        };
        assert_eq!(*shared("memo-test-once", compute).unwrap(), 42);
        assert_eq!(*shared("memo-test-once", compute).unwrap(), 42);
        assert_eq!(CALLS.load(Ordering::SeqCst), 1);
        let failing = || -> Result<u32, Error> { Err(Error::Numerical("boom".into())) };
        assert!(shared("memo-test-error", failing).is_err());
        assert!(
            shared("memo-test-error", || Ok(1u32))
                .unwrap_err()
                .to_string()
                .contains("boom")
        );
    }
}
