//! State shared between the window's commands. A lock whose holder panicked is an error the
//! user sees, with what to do: never silently a missing sign-in or an empty list.

use std::sync::{Mutex, MutexGuard};

/// A lock was poisoned: a task panicked while changing what it guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Switchboard hit an internal error and stopped what it was doing. Quit and reopen the app, then try again.")]
pub struct Poisoned;

/// A mutex whose poisoning is reported, not ignored.
#[derive(Debug, Default)]
pub struct Guarded<T>(Mutex<T>);

impl<T> Guarded<T> {
    pub fn new(value: T) -> Self {
        Self(Mutex::new(value))
    }

    pub fn lock(&self) -> Result<MutexGuard<'_, T>, Poisoned> {
        self.0.lock().map_err(|_| {
            tracing::error!("a lock was poisoned by a panic; refusing to go on with its state");
            Poisoned
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_lock_is_an_error_not_an_empty_value() {
        let guarded = std::sync::Arc::new(Guarded::new(vec![1]));
        let held = std::sync::Arc::clone(&guarded);
        let _ = std::thread::spawn(move || {
            let _guard = held.lock().unwrap();
            panic!("poisoning on purpose");
        })
        .join();
        assert_eq!(guarded.lock().err(), Some(Poisoned));
        assert!(Poisoned.to_string().contains("Quit and reopen"));
    }
}
