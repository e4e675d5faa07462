//! What the window shows when the portal says something at once: an account signed out
//! of this computer elsewhere (by an administrator, a password change, another device…)
//! leaves the window on the next account or the sign-in screen, saying why.

use std::sync::Arc;

use switchboard_client::PortalNotice;
use tokio::sync::broadcast::error::RecvError;

use crate::views::Notice;
use crate::App;

impl App {
    /// Follows the portal's event stream of every signed-in account and shows each
    /// sign-out the portal makes. Call once, inside the runtime.
    pub fn follow_portal(self: &Arc<Self>) {
        let mut notices = self.core.portal_notices();
        self.core.follow_portal();
        let shown = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                match notices.recv().await {
                    Ok(notice @ PortalNotice::SignedOut { .. }) => {
                        let view = shown.home_view(Some(Notice::info(notice.sentence())));
                        shown.platform.window.show(view);
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return,
                }
            }
        });
    }
}
