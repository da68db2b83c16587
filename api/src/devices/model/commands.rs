//! The command outbox: an API process writes a command (`pending`); the gateway holding the
//! device's lease claims it with a conditional update, sends it with a fresh message id
//! (`sent`), sends it once more with the same id when no reply came within the reply timeout,
//! and gives up after that (`failed`). The device's reply (same message id) closes it
//! (`done`, with the reply code).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::device_commands as dc;
use crate::db::DbConn;
use crate::error::ApiResult;

crate::text_enum! {
    /// 设备指令的状态。
    ///
    /// A device command's status.
    pub enum CommandStatus {
        /// Waiting for the gateway.
        Pending = "pending",
        /// Sent; waiting for the device's reply.
        Sent = "sent",
        /// The device replied (`reply_code`).
        Done = "done",
        /// No reply after the resend.
        Failed = "failed",
    }
}

crate::text_enum! {
    /// 设备指令的种类。
    ///
    /// What a device command does.
    pub enum CommandKind {
        /// Start charging a port (0x82, command 1).
        Start = "start",
        /// Stop charging a port (0x82, command 0).
        Stop = "stop",
    }
}

/// What the gateway needs to send a command.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = dc)]
pub struct Command {
    pub id: i64,
    pub device_id: i64,
    pub session_id: Option<i64>,
    pub kind: CommandKind,
    pub port: i32,
    pub order_no: String,
    pub duration_s: i32,
    pub message_id: Option<i32>,
    pub attempts: i32,
}

/// Write a command for the gateway (in the caller's transaction).
#[allow(clippy::too_many_arguments)]
pub fn enqueue(
    conn: &mut DbConn,
    device_id: i64,
    session_id: Option<i64>,
    kind: CommandKind,
    port: i32,
    order_no: &str,
    duration_s: i32,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::insert_into(dc::table)
        .values((
            dc::device_id.eq(device_id),
            dc::session_id.eq(session_id),
            dc::kind.eq(kind),
            dc::port.eq(port),
            dc::order_no.eq(order_no),
            dc::duration_s.eq(duration_s),
            dc::status.eq(CommandStatus::Pending),
            dc::attempts.eq(0),
            dc::next_attempt_at.eq(now),
            dc::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Claim the oldest pending command of each of `device_ids` (at most one per device per
/// call: commands to one device keep their minimum gap). A claim is a conditional update, so
/// two gateways never both take one command.
pub fn claim(
    conn: &mut DbConn,
    device_ids: &[i64],
    gateway: &str,
    now: NaiveDateTime,
    claim_for: Duration,
) -> ApiResult<Vec<Command>> {
    if device_ids.is_empty() {
        return Ok(Vec::new());
    }
    let candidates: Vec<(i64, i64)> = dc::table
        .filter(dc::device_id.eq_any(device_ids))
        .filter(dc::status.eq(CommandStatus::Pending))
        .filter(dc::next_attempt_at.le(now))
        .filter(dc::claimed_until.is_null().or(dc::claimed_until.lt(now)))
        .order(dc::id)
        .limit(200)
        .select((dc::id, dc::device_id))
        .load(conn)?;
    let mut taken_devices = Vec::new();
    let mut out = Vec::new();
    for (id, device) in candidates {
        if taken_devices.contains(&device) {
            continue;
        }
        let claimed = diesel::update(
            dc::table
                .filter(dc::id.eq(id).and(dc::status.eq(CommandStatus::Pending)))
                .filter(dc::claimed_until.is_null().or(dc::claimed_until.lt(now))),
        )
        .set((
            dc::claimed_by.eq(gateway),
            dc::claimed_until.eq(now + claim_for),
        ))
        .execute(conn)?;
        if claimed == 1 {
            taken_devices.push(device);
            out.push(
                dc::table
                    .find(id)
                    .select(Command::as_select())
                    .first(conn)?,
            );
        }
    }
    Ok(out)
}

/// The command went out with `message_id` (`attempts` so far); the next try is due at `retry_at`.
/// Only while `gateway` holds its claim and no reply closed it (a reply arriving between an
/// overdue command's taking and its resend leaves it `done`).
pub fn mark_sent(
    conn: &mut DbConn,
    id: i64,
    gateway: &str,
    message_id: u16,
    attempts: i32,
    now: NaiveDateTime,
    retry_at: NaiveDateTime,
) -> ApiResult<bool> {
    let n = diesel::update(
        dc::table
            .find(id)
            .filter(dc::claimed_by.eq(gateway))
            .filter(dc::status.eq_any([CommandStatus::Pending, CommandStatus::Sent])),
    )
    .set((
        dc::status.eq(CommandStatus::Sent),
        dc::message_id.eq(i32::from(message_id)),
        dc::attempts.eq(attempts),
        dc::sent_at.eq(now),
        dc::next_attempt_at.eq(retry_at),
        dc::claimed_until.eq(retry_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Take the sent commands on `device_ids` (the devices whose lease `gateway` holds) whose
/// reply is overdue, for their one resend or their failure, whichever gateway sent them: the
/// sender may have died after sending, its pile now speaking here, and its commands would
/// otherwise stay `sent` for good (a stop never resent, never failed). Each is taken with a
/// conditional update that moves its next attempt past `now`, so only one gateway resends it.
pub fn overdue(
    conn: &mut DbConn,
    device_ids: &[i64],
    gateway: &str,
    now: NaiveDateTime,
    claim_for: Duration,
) -> ApiResult<Vec<Command>> {
    if device_ids.is_empty() {
        return Ok(Vec::new());
    }
    let candidates: Vec<i64> = dc::table
        .filter(dc::device_id.eq_any(device_ids))
        .filter(dc::status.eq(CommandStatus::Sent))
        .filter(dc::next_attempt_at.le(now))
        .order(dc::id)
        .select(dc::id)
        .load(conn)?;
    let mut out = Vec::new();
    for id in candidates {
        let taken = diesel::update(
            dc::table
                .find(id)
                .filter(dc::status.eq(CommandStatus::Sent))
                .filter(dc::next_attempt_at.le(now)),
        )
        .set((
            dc::claimed_by.eq(gateway),
            dc::claimed_until.eq(now + claim_for),
            dc::next_attempt_at.eq(now + claim_for),
        ))
        .execute(conn)?;
        if taken == 1 {
            out.push(
                dc::table
                    .find(id)
                    .select(Command::as_select())
                    .first(conn)?,
            );
        }
    }
    Ok(out)
}

/// Give a sent command up (no reply after the resend). Returns whether this call did.
pub fn fail(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> ApiResult<bool> {
    let n = diesel::update(
        dc::table
            .find(id)
            .filter(dc::status.eq(CommandStatus::Sent)),
    )
    .set((
        dc::status.eq(CommandStatus::Failed),
        dc::done_at.eq(now),
        dc::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The device replied to `message_id`: close the command it answers (sent, or already
/// failed when the reply came late). Returns the command closed now, if any.
pub fn replied(
    conn: &mut DbConn,
    device_id: i64,
    message_id: u16,
    code: u8,
    now: NaiveDateTime,
) -> ApiResult<Option<Command>> {
    let found: Option<Command> = dc::table
        .filter(dc::device_id.eq(device_id))
        .filter(dc::message_id.eq(i32::from(message_id)))
        .filter(dc::status.eq(CommandStatus::Sent))
        .order(dc::id.desc())
        .select(Command::as_select())
        .first(conn)
        .optional()?;
    let Some(cmd) = found else {
        return Ok(None);
    };
    let n = diesel::update(
        dc::table
            .find(cmd.id)
            .filter(dc::status.eq(CommandStatus::Sent)),
    )
    .set((
        dc::status.eq(CommandStatus::Done),
        dc::reply_code.eq(i32::from(code)),
        dc::done_at.eq(now),
        dc::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok((n == 1).then_some(cmd))
}

/// How many commands to `device_id` went out (tests and the bench count resends with it).
pub fn count_sent(conn: &mut DbConn, device_id: i64) -> ApiResult<i64> {
    Ok(dc::table
        .filter(dc::device_id.eq(device_id))
        .filter(dc::sent_at.is_not_null())
        .count()
        .get_result(conn)?)
}
