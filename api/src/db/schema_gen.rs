//! Generates `schema.rs` from the migrated database, and describes a database's tables in
//! Diesel's terms so the MySQL and SQLite migrations can be checked against each other.
//!
//! `diesel print-schema` cannot serve both backends through one multi-backend schema (it
//! prints MySQL `DATETIME` as `Datetime` and SQLite's rowid as `Integer`), so the schema is
//! generated here from the SQLite migrations, and a test checks that the MySQL migrations
//! produce the same tables, columns, types and nullability.

use std::collections::BTreeMap;
use std::fmt::Write;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};

use super::DbConn;

/// One column in Diesel's vocabulary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub sql_type: &'static str,
    pub nullable: bool,
}

/// A table: its columns in order and the tables its foreign keys point at (column, table).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Table {
    pub columns: Vec<Column>,
    pub foreign_keys: Vec<(String, String)>,
}

pub type Schema = BTreeMap<String, Table>;

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    r#type: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct SqliteForeignKey {
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    from: String,
}

#[derive(QueryableByName)]
struct MysqlColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    column_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
    #[diesel(sql_type = BigInt)]
    ordinal_position: i64,
}

#[derive(QueryableByName)]
struct MysqlForeignKey {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    referenced_table_name: Option<String>,
}

const SKIP: &str = "__diesel_schema_migrations";

/// Map a declared column type to Diesel's SQL type name.
fn diesel_type(declared: &str, primary_key: bool) -> &'static str {
    let t = declared.to_ascii_lowercase();
    if primary_key && t == "integer" {
        return "BigInt"; // SQLite's rowid is 64-bit.
    }
    match t.split('(').next().unwrap_or("").trim() {
        "bigint" => "BigInt",
        "int" | "integer" => "Integer",
        "smallint" => "SmallInt",
        "tinyint" | "boolean" | "bool" => "Bool",
        "double" | "real" | "float" => "Double",
        "date" => "Date",
        "datetime" | "timestamp" => "Timestamp",
        "blob" | "binary" | "varbinary" => "Binary",
        _ => "Text",
    }
}

/// Describe every application table of the connected database.
pub fn describe(conn: &mut DbConn) -> QueryResult<Schema> {
    match conn {
        DbConn::Sqlite(c) => describe_sqlite(c),
        DbConn::Mysql(c) => describe_mysql(c),
    }
}

fn describe_sqlite(c: &mut diesel::SqliteConnection) -> QueryResult<Schema> {
    let tables: Vec<NameRow> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .load(c)?;
    let mut schema = Schema::new();
    for t in tables.into_iter().filter(|t| t.name != SKIP) {
        let cols: Vec<SqliteColumn> =
            diesel::sql_query("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)")
                .bind::<Text, _>(&t.name)
                .load(c)?;
        let fks: Vec<SqliteForeignKey> =
            diesel::sql_query("SELECT \"table\", \"from\" FROM pragma_foreign_key_list(?)")
                .bind::<Text, _>(&t.name)
                .load(c)?;
        let table = Table {
            columns: cols
                .into_iter()
                .map(|col| Column {
                    sql_type: diesel_type(&col.r#type, col.pk > 0),
                    nullable: col.notnull == 0 && col.pk == 0,
                    name: col.name,
                })
                .collect(),
            foreign_keys: fks.into_iter().map(|f| (f.from, f.table)).collect(),
        };
        schema.insert(t.name, table);
    }
    for table in schema.values_mut() {
        table.foreign_keys.sort();
    }
    Ok(schema)
}

fn describe_mysql(c: &mut diesel::MysqlConnection) -> QueryResult<Schema> {
    let cols: Vec<MysqlColumn> = diesel::sql_query(
        "SELECT CAST(table_name AS CHAR) AS table_name, CAST(column_name AS CHAR) AS column_name, \
         CAST(column_type AS CHAR) AS column_type, CAST(is_nullable AS CHAR) AS is_nullable, \
         CAST(ordinal_position AS SIGNED) AS ordinal_position \
         FROM information_schema.columns WHERE table_schema = DATABASE() \
         ORDER BY table_name, ordinal_position",
    )
    .load(c)?;
    let mut schema = Schema::new();
    for col in cols.into_iter().filter(|c| c.table_name != SKIP) {
        let _ = col.ordinal_position;
        let ty = if col.column_type.eq_ignore_ascii_case("tinyint(1)") {
            "Bool"
        } else {
            diesel_type(&col.column_type, false)
        };
        schema
            .entry(col.table_name)
            .or_default()
            .columns
            .push(Column {
                name: col.column_name,
                sql_type: ty,
                nullable: col.is_nullable == "YES",
            });
    }
    let fks: Vec<MysqlForeignKey> = diesel::sql_query(
        "SELECT CAST(table_name AS CHAR) AS table_name, CAST(column_name AS CHAR) AS column_name, \
         CAST(referenced_table_name AS CHAR) AS referenced_table_name \
         FROM information_schema.key_column_usage \
         WHERE table_schema = DATABASE() AND referenced_table_name IS NOT NULL",
    )
    .load(c)?;
    for fk in fks {
        if let (Some(t), Some(parent)) = (schema.get_mut(&fk.table_name), fk.referenced_table_name)
        {
            t.foreign_keys.push((fk.column_name, parent));
        }
    }
    for table in schema.values_mut() {
        table.foreign_keys.sort();
    }
    Ok(schema)
}

/// Render `schema.rs` for the described tables.
pub fn render(schema: &Schema) -> String {
    let mut out = String::from(
        "// @generated from migrations/sqlite by `linli schema`; do not edit by hand.\n\
         // Change the migrations (both backends), then run:\n\
         //     cargo run -- schema > api/src/db/schema.rs\n",
    );
    for (name, table) in schema {
        let _ = write!(out, "\ndiesel::table! {{\n    {name} (id) {{\n");
        for col in &table.columns {
            let ty = if col.nullable {
                format!("Nullable<{}>", col.sql_type)
            } else {
                col.sql_type.to_owned()
            };
            let _ = writeln!(out, "        {} -> {ty},", col.name);
        }
        out.push_str("    }\n}\n");
    }
    let mut joins = Vec::new();
    for (name, table) in schema {
        for (col, parent) in &table.foreign_keys {
            // Diesel cannot join a table to itself (e.g. a taxonomy term's parent).
            if parent == name {
                continue;
            }
            let ambiguous = table
                .foreign_keys
                .iter()
                .filter(|(_, p)| p == parent)
                .count()
                > 1;
            if !ambiguous {
                joins.push(format!("diesel::joinable!({name} -> {parent} ({col}));\n"));
            }
        }
    }
    if !joins.is_empty() {
        out.push('\n');
        out.extend(joins);
    }
    let names: Vec<&str> = schema.keys().map(String::as_str).collect();
    let _ = write!(
        out,
        "\ndiesel::allow_tables_to_appear_in_same_query!(\n    {},\n);\n",
        names.join(",\n    ")
    );
    out
}

/// Generate `schema.rs` by migrating a throw-away in-memory SQLite database.
pub fn generate() -> Result<String, String> {
    let mut conn =
        DbConn::Sqlite(diesel::SqliteConnection::establish(":memory:").map_err(|e| e.to_string())?);
    super::run_migrations(&mut conn)?;
    describe(&mut conn)
        .map(|s| render(&s))
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn committed_schema_matches_the_migrations() {
        let generated = super::generate().expect("generate schema");
        let committed = include_str!("schema.rs");
        assert!(
            generated == committed,
            "api/src/db/schema.rs is out of date with migrations/sqlite.\n\
             Regenerate it with: cargo run -- schema > api/src/db/schema.rs"
        );
    }
}
