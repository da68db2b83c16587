//! Personal data (issue 14 §2): phone numbers stored only encrypted and found by a blind
//! index, shown masked, shown whole only to staff who serve the resident (each read audited);
//! key rotation under load; identity-card fields refused; export and erasure of an account.

use serde_json::{json, Value};

use crate::on_both;
use crate::support::*;

mod phones;
mod rights;
mod rotation;

/// `PUT` a JSON body.
async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> Res {
    app.request(reqwest::Method::PUT, path, Some(token), Some(body), &[])
        .await
}

/// The user id behind a token (`GET /me`).
async fn user_id(app: &TestApp, token: &str) -> i64 {
    let r = app.get("/api/v1/me", Some(token)).await;
    r.expect(200, None);
    r.body["id"].as_i64().expect("id")
}

/// Every value of every table of the test's database, as bytes (each cell read back through
/// `hex`, so binary columns come out whole): what a dump of the database would show.
fn dump_database(app: &TestApp) -> Vec<Vec<u8>> {
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        v: String,
    }
    let mut conn = app.db.conn();
    let mysql = matches!(conn, linli::db::DbConn::Mysql(_));
    let tables: Vec<Name> = diesel::sql_query(if mysql {
        "SELECT CAST(table_name AS CHAR) AS name FROM information_schema.tables WHERE table_schema = DATABASE()"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    })
    .load(&mut conn)
    .expect("tables");
    assert!(tables.iter().any(|t| t.name == "users"));
    let mut cells = Vec::new();
    for t in tables {
        let columns: Vec<Name> = if mysql {
            diesel::sql_query(
                "SELECT CAST(column_name AS CHAR) AS name FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND table_name = ?",
            )
            .bind::<Text, _>(&t.name)
            .load(&mut conn)
        } else {
            diesel::sql_query("SELECT name FROM pragma_table_info(?)")
                .bind::<Text, _>(&t.name)
                .load(&mut conn)
        }
        .expect("columns");
        for c in columns {
            let query = if mysql {
                format!(
                    "SELECT CAST(HEX(CONCAT(`{}`)) AS CHAR) AS v FROM `{}` WHERE `{0}` IS NOT NULL",
                    c.name, t.name
                )
            } else {
                format!(
                    "SELECT hex(\"{}\") AS v FROM \"{}\" WHERE \"{0}\" IS NOT NULL",
                    c.name, t.name
                )
            };
            let rows: Vec<Row> = diesel::sql_query(query).load(&mut conn).expect("cells");
            cells.extend(rows.into_iter().map(|r| hex::decode(r.v).expect("hex")));
        }
    }
    cells
}

/// Whether any cell of the dump contains `needle`.
fn dump_contains(dump: &[Vec<u8>], needle: &str) -> bool {
    let n = needle.as_bytes();
    dump.iter()
        .any(|cell| cell.windows(n.len()).any(|w| w == n))
}

/// The stored phone columns of a user: ciphertext, blind index, key version.
fn stored_phone(app: &TestApp, user: i64) -> (Option<Vec<u8>>, Option<Vec<u8>>, Option<i64>) {
    use diesel::prelude::*;
    use linli::db::schema::users;
    users::table
        .find(user)
        .select((
            users::phone_cipher,
            users::phone_index,
            users::phone_key_version,
        ))
        .first(&mut app.db.conn())
        .expect("user")
}
