//! The database half of an `Idempotency-Key` claim: what a handler that creates something
//! records in the key's row, in the transaction of its work, so that a retry after an unknown
//! outcome answers with the object already created instead of creating another.
//!
//! The HTTP half (claiming the key, replaying stored answers) is `http::idempotency`, which
//! hands the claim to handlers as an extractor.

use diesel::prelude::*;

use crate::db::schema::idempotency_keys as ik;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};

/// The `Idempotency-Key` claim of the current request: `None` without a key. Handlers that
/// create something take it to make a retry after an unknown outcome answer with the same
/// object (see `http::idempotency`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IdempotencyClaim(Option<i64>);

impl IdempotencyClaim {
    /// The claim on the `idempotency_keys` row `id`, which this request owns.
    pub fn on_key(id: i64) -> Self {
        IdempotencyClaim(Some(id))
    }

    /// Begin the work of this request, first thing inside the transaction that does it: the
    /// id of the `kind` object an earlier attempt of this request created and committed, if
    /// any (then answer with it and do nothing).
    ///
    /// It writes the key's row before reading it, so attempts of one request run one after
    /// the other: on one server the row lock makes a second attempt wait for the first to
    /// commit; on a Galera cluster both write sets hold the row and the later one is refused at
    /// `COMMIT` (a deadlock, which `db::transaction` runs again). The second attempt therefore
    /// never reads a state the first changed (a quota, a seat, a stock) without also seeing
    /// what the first created.
    pub fn begin(self, conn: &mut DbConn, kind: &str) -> ApiResult<Option<i64>> {
        let Some(id) = self.0 else { return Ok(None) };
        diesel::update(ik::table.filter(ik::id.eq(id)))
            .set(ik::attempts.eq(ik::attempts + 1))
            .execute(conn)?;
        self.done_before(conn, kind)
    }

    /// The id of the `kind` object an earlier attempt of this request created and committed
    /// (a read only: inside the work's transaction use [`Self::begin`]).
    pub fn done_before(self, conn: &mut DbConn, kind: &str) -> ApiResult<Option<i64>> {
        let Some(id) = self.0 else { return Ok(None) };
        let effect: Option<Option<String>> = ik::table
            .find(id)
            .select(ik::effect)
            .first(conn)
            .optional()?;
        Ok(effect
            .flatten()
            .as_deref()
            .and_then(|e| parse_effect(e, kind)))
    }

    /// Record, inside the transaction of the work, that this request created the `kind`
    /// object `object_id`. When another attempt recorded its own first, the transaction is
    /// refused as a retryable conflict: run again, it finds that attempt's object.
    pub fn mark_done(self, conn: &mut DbConn, kind: &str, object_id: i64) -> ApiResult<()> {
        let Some(id) = self.0 else { return Ok(()) };
        let marked = diesel::update(ik::table.filter(ik::id.eq(id).and(ik::effect.is_null())))
            .set(ik::effect.eq(Some(format!("{kind}:{object_id}"))))
            .execute(conn)?;
        if marked == 0 && self.done_before(conn, kind)?.is_some() {
            let mut e = ApiError::unavailable("another attempt of this request finished first");
            e.retryable = true;
            return Err(e);
        }
        Ok(())
    }
}

fn parse_effect(effect: &str, kind: &str) -> Option<i64> {
    let (k, id) = effect.split_once(':')?;
    (k == kind).then(|| id.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effects_name_their_kind() {
        assert_eq!(parse_effect("booking:42", "booking"), Some(42));
        assert_eq!(parse_effect("signup:42", "booking"), None);
        assert_eq!(parse_effect("booking:x", "booking"), None);
        assert_eq!(parse_effect("booking", "booking"), None);
    }
}
