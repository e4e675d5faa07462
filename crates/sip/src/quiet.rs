//! The stack logs every message it sends and receives at `info` (`raw_message`), and a
//! REGISTER's `Authorization` header carries the digest response. The tasks that drive the
//! stack run under this wrapper of the application's subscriber: it passes everything
//! through except the stack's own events and spans below `warn`.

use tracing::subscriber::Interest;
use tracing::{span, Dispatch, Event, Level, Metadata, Subscriber};

/// The targets of the SIP stack's own events.
const STACK_TARGET: &str = "rsipstack";

/// Wraps `inner` (the subscriber of the caller, usually the global one).
pub(crate) fn quiet(inner: Dispatch) -> Dispatch {
    Dispatch::new(QuietStack { inner })
}

/// The current subscriber, wrapped.
pub(crate) fn quiet_current() -> Dispatch {
    quiet(tracing::dispatcher::get_default(Dispatch::clone))
}

fn is_stack_chatter(metadata: &Metadata<'_>) -> bool {
    metadata.target().starts_with(STACK_TARGET) && *metadata.level() > Level::WARN
}

struct QuietStack {
    inner: Dispatch,
}

impl Subscriber for QuietStack {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if is_stack_chatter(metadata) {
            // Other subscribers may still want it: decide per call in `enabled`.
            Interest::sometimes()
        } else {
            self.inner.register_callsite(metadata)
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        !is_stack_chatter(metadata) && self.inner.enabled(metadata)
    }

    fn new_span(&self, span: &span::Attributes<'_>) -> span::Id {
        self.inner.new_span(span)
    }

    fn record(&self, span: &span::Id, values: &span::Record<'_>) {
        self.inner.record(span, values);
    }

    fn record_follows_from(&self, span: &span::Id, follows: &span::Id) {
        self.inner.record_follows_from(span, follows);
    }

    fn event(&self, event: &Event<'_>) {
        if !is_stack_chatter(event.metadata()) {
            self.inner.event(event);
        }
    }

    fn enter(&self, span: &span::Id) {
        self.inner.enter(span);
    }

    fn exit(&self, span: &span::Id) {
        self.inner.exit(span);
    }

    fn clone_span(&self, id: &span::Id) -> span::Id {
        self.inner.clone_span(id)
    }

    fn try_close(&self, id: span::Id) -> bool {
        self.inner.try_close(id)
    }

    fn current_span(&self) -> tracing_core::span::Current {
        self.inner.current_span()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_stacks_chatter_is_dropped_and_everything_else_passes() {
        let capture = Capture::default();
        let writer = capture.clone();
        let inner = Dispatch::new(
            tracing_subscriber::fmt()
                .with_max_level(Level::TRACE)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish(),
        );
        tracing::dispatcher::with_default(&quiet(inner), || {
            tracing::info!(target: "rsipstack::transport::udp", raw_message = "REGISTER", "udp send");
            tracing::debug!(target: "rsipstack::dialog", "chatter");
            tracing::warn!(target: "rsipstack::transaction", "a stack warning");
            tracing::info!(target: "switchboard_sip::line", "registered");
            tracing::trace!(target: "other_crate", "detail");
        });
        let text = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
        assert!(!text.contains("udp send"), "{text}");
        assert!(!text.contains("chatter"), "{text}");
        assert!(text.contains("a stack warning"), "{text}");
        assert!(text.contains("registered"), "{text}");
        assert!(text.contains("detail"), "{text}");
    }
}
