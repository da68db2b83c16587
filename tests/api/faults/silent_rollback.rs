//! A transaction the server rolled back without telling the client: what a Galera node does
//! when the report of a brute-force abort (a replicated write winning a conflict) is lost. The
//! client's next statements then run outside any transaction, and without a guard a request
//! answered "done" for work that was never stored. Here the loss is made by hand (a bare
//! `ROLLBACK` inside the closure), on one MySQL.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use linli::error::{ApiError, ErrorCode};

use crate::support::*;

#[derive(QueryableByName, Debug, PartialEq)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    id: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    n: i32,
}

fn rows(conn: &mut linli::db::DbConn, table: &str) -> Vec<(i32, i32)> {
    diesel::sql_query(format!("SELECT id, n FROM {table} ORDER BY id"))
        .load::<Row>(conn)
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.n))
        .collect()
}

/// The work of one attempt: count a run, then on the first run lose the transaction (as the
/// server would) and go on writing.
fn work(c: &mut linli::db::DbConn, table: &str, run: i32) -> Result<i32, ApiError> {
    c.batch_execute(&format!("UPDATE {table} SET n = n + 1 WHERE id = 1"))?;
    if run == 1 {
        c.batch_execute("ROLLBACK")?;
        c.batch_execute(&format!("INSERT INTO {table} VALUES (2, 100)"))?;
    }
    Ok(run)
}

#[test]
fn a_transaction_lost_without_a_report_runs_again_and_keeps_nothing_of_the_lost_attempt() {
    let db = TestDb::new(Backend::Mysql);
    let mut conn = db.conn();
    conn.batch_execute(
        "CREATE TABLE tx_guarded (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB;
         INSERT INTO tx_guarded VALUES (1, 0);
         CREATE TABLE tx_unguarded (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB;
         INSERT INTO tx_unguarded VALUES (1, 0);",
    )
    .unwrap();

    // Unguarded (one MySQL reports every abort, so nothing guards it there): the write after
    // the loss was committed on its own and the answer claims a success that is half gone.
    let mut runs = 0;
    let answer = linli::db::transaction(&mut conn, |c| {
        runs += 1;
        work(c, "tx_unguarded", runs)
    });
    assert_eq!(answer.unwrap(), 1);
    assert_eq!(rows(&mut conn, "tx_unguarded"), vec![(1, 0), (2, 100)]);

    // Guarded (every write transaction on a Galera node): the marker row is gone at the end,
    // so the attempt is rolled back, the stray write with it, and the transaction runs again.
    let mut runs = 0;
    let answer = linli::db::transaction_guarded(&mut conn, |c| {
        runs += 1;
        work(c, "tx_guarded", runs)
    });
    assert_eq!(answer.unwrap(), 2, "answered by the second, whole attempt");
    assert_eq!(rows(&mut conn, "tx_guarded"), vec![(1, 1)]);

    // An error answer of a lost attempt is not trusted either: it may have been decided on a
    // state the lost transaction no longer held (a quota seen taken by itself).
    let mut runs = 0;
    let answer: Result<i32, ApiError> = linli::db::transaction_guarded(&mut conn, |c| {
        runs += 1;
        if runs == 1 {
            c.batch_execute("ROLLBACK")?;
            return Err(ApiError::new(ErrorCode::HouseholdQuotaReached));
        }
        c.batch_execute("UPDATE tx_guarded SET n = n + 1 WHERE id = 1")?;
        Ok(runs)
    });
    assert_eq!(answer.unwrap(), 2);
    assert_eq!(rows(&mut conn, "tx_guarded"), vec![(1, 2)]);

    // A guarded transaction leaves the connection as it found it: autocommit on, nothing open.
    #[derive(QueryableByName)]
    struct Flags {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        autocommit: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        in_tx: i64,
    }
    let flags = diesel::sql_query(
        "SELECT CAST(@@autocommit AS SIGNED) AS autocommit, CAST(@@in_transaction AS SIGNED) AS in_tx",
    )
    .get_result::<Flags>(&mut conn)
    .unwrap();
    assert_eq!((flags.autocommit, flags.in_tx), (1, 0));
}
