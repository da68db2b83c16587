//! A deadlock met inside a nested transaction. InnoDB (and Galera, for a replicated write
//! that wins) rolls back the whole transaction, not to the savepoint of the nested call: the
//! nested call must not run its work again on its own, outside any transaction, but hand the
//! conflict up so the outermost call runs all of it again.

use std::sync::mpsc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::support::*;

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    n: i32,
}

fn n_of(conn: &mut linli::db::DbConn, id: i32) -> i32 {
    diesel::sql_query(format!("SELECT n FROM tx_probe WHERE id = {id}"))
        .get_result::<Row>(conn)
        .unwrap()
        .n
}

#[test]
fn a_deadlock_in_a_nested_transaction_runs_the_whole_transaction_again() {
    let db = TestDb::new(Backend::Mysql);
    let mut setup = db.conn();
    setup
        .batch_execute(
            "CREATE TABLE tx_probe (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB;
             INSERT INTO tx_probe VALUES (1, 0), (2, 0);
             CREATE TABLE tx_weight (id INT PRIMARY KEY) ENGINE=InnoDB;",
        )
        .unwrap();
    let weight: Vec<String> = (1..=200).map(|i| format!("({i})")).collect();
    let weight = format!("INSERT INTO tx_weight (id) VALUES {}", weight.join(","));
    // The other transaction takes row 2, then asks for row 1, which ours holds. It has written
    // 200 rows first, so InnoDB makes ours, the lighter one, the deadlock's victim.
    let (other_has_2, wait_other) = mpsc::channel();
    let (ours_has_1, wait_ours) = mpsc::channel::<()>();
    let mut other = db.conn();
    let other = std::thread::spawn(move || {
        other.batch_execute("BEGIN").unwrap();
        other.batch_execute(&weight).unwrap();
        other
            .batch_execute("UPDATE tx_probe SET n = n + 10 WHERE id = 2")
            .unwrap();
        other_has_2.send(()).unwrap();
        wait_ours.recv().unwrap();
        other
            .batch_execute("UPDATE tx_probe SET n = n + 10 WHERE id = 1")
            .unwrap();
        other.batch_execute("COMMIT").unwrap();
    });
    let mut conn = db.conn();
    let mut runs = 0;
    let mut nested_runs = 0;
    linli::db::transaction(&mut conn, |c| -> QueryResult<()> {
        runs += 1;
        c.batch_execute("UPDATE tx_probe SET n = n + 1 WHERE id = 1")?;
        if runs == 1 {
            wait_other.recv().unwrap();
            ours_has_1.send(()).unwrap();
            // The other one's request for row 1 is waiting on us before we ask for row 2.
            std::thread::sleep(Duration::from_millis(300));
        }
        linli::db::transaction(c, |c| {
            nested_runs += 1;
            c.batch_execute("UPDATE tx_probe SET n = n + 1 WHERE id = 2")
        })
    })
    .expect("the transaction commits after its retry");
    other.join().expect("the other transaction commits");
    // Ours ran twice from the top: the nested call did not run again on its own.
    assert_eq!((runs, nested_runs), (2, 2));
    // Both transactions' writes are there, each once: nothing of ours was lost or doubled.
    assert_eq!(n_of(&mut setup, 1), 11);
    assert_eq!(n_of(&mut setup, 2), 11);
}
