//! Interrupts (Ctrl-C, SIGTERM), as the engine sees them: the first asks apply to
//! start nothing new and let what runs finish; the second cancels what runs. The
//! CLI raises them; the engine only asks how far they went.

use std::sync::Arc;
use tokio::sync::watch;

/// How many interrupts a run has received; cheap to clone, shared by every clone.
#[derive(Clone)]
pub struct Interrupt(Arc<watch::Sender<u8>>);

impl Default for Interrupt {
    fn default() -> Self {
        Interrupt(Arc::new(watch::channel(0).0))
    }
}

impl Interrupt {
    /// Counts one more interrupt and returns how many there have been.
    pub fn raise(&self) -> u8 {
        let mut now = 0;
        self.0.send_modify(|n| {
            *n = n.saturating_add(1);
            now = *n;
        });
        now
    }

    pub fn count(&self) -> u8 {
        *self.0.borrow()
    }

    /// Nothing new may start.
    pub fn stopping(&self) -> bool {
        self.count() >= 1
    }

    /// Resolves once `count` interrupts have been received.
    pub async fn reached(&self, count: u8) {
        let mut rx = self.0.subscribe();
        let _ = rx.wait_for(|n| *n >= count).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn clones_share_the_count_and_waiters_wake() {
        let i = Interrupt::default();
        let other = i.clone();
        let waiter = tokio::spawn(async move { other.reached(2).await });
        assert_eq!(i.raise(), 1);
        assert!(i.stopping());
        assert!(!waiter.is_finished());
        assert_eq!(i.raise(), 2);
        waiter.await.unwrap();
        assert_eq!(i.count(), 2);
    }
}
