//! WeChat subscription messages (订阅消息): the inbox's second channel.
//!
//! The mini-program reports what `wx.requestSubscribeMessage` answered
//! (`POST /me/subscriptions`, [`grants`]); [`crate::notifications::notify`] writes a message
//! row in the notice's own transaction when its kind has a template ([`templates`]); the
//! [`worker`] spends one grant per message and sends it with the shared access token
//! ([`token`]). The inbox stays the record: a message WeChat refuses is still in the inbox.

pub mod dto;
pub mod grants;
pub mod handlers;
pub mod templates;
pub mod token;
pub mod values;
pub mod worker;

crate::text_enum! {
    /// What became of a subscription message.
    pub enum MessageStatus {
        /// Waiting to be sent (or tried again after a network error).
        Pending = "pending",
        /// WeChat accepted it.
        Sent = "sent",
        /// The resident had no grant left for its template: nothing was sent.
        SkippedNoGrant = "skipped_no_grant",
        /// WeChat answered 43101 (no grant at WeChat's side); the grant was set to zero.
        NoGrant = "no_grant",
        /// WeChat refused the template, a value, the page or the openid; staff were alerted.
        FailedConfig = "failed_config",
        /// Given up after repeated network errors.
        Failed = "failed",
        /// Its moment passed before it could be sent (e.g. the slot started).
        DroppedLate = "dropped_late",
    }
}

/// Write the templates of `LINLI_WECHAT_TEMPLATES` (when set) into the database, at start-up.
pub fn load_templates(
    conn: &mut crate::db::DbConn,
    config: &crate::config::Config,
    now: chrono::NaiveDateTime,
) -> Result<(), String> {
    let Some(setting) = config.wechat_templates.as_deref() else {
        return Ok(());
    };
    let templates =
        templates::parse(setting).map_err(|e| format!("LINLI_WECHAT_TEMPLATES: {e}"))?;
    templates::configure(conn, &templates, now).map_err(|e| format!("LINLI_WECHAT_TEMPLATES: {e}"))
}
