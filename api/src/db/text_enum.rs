//! Closed sets of values stored as text (statuses, states, roles, kinds).
//!
//! [`text_enum!`](crate::text_enum) declares an enum whose every variant has one spelling, used
//! on the wire (serde), in the OpenAPI document (a string `enum`) and in the database (a
//! Diesel `Text` mapping for MySQL, SQLite and the multi-backend connection alike). Reading a
//! spelling the enum does not know is an error ([`UnknownValue`]), never a silent default: a
//! row the code cannot understand must stop the request (500, logged) rather than be shown or
//! acted on as something else.

use std::fmt;

/// A stored or sent text that is not one of an enum's spellings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// The enum's name, e.g. `BookingStatus`.
    pub type_name: &'static str,
    /// What was found (cut to 64 characters).
    pub value: String,
}

impl UnknownValue {
    pub fn new(type_name: &'static str, value: &str) -> Self {
        UnknownValue {
            type_name,
            value: value.chars().take(64).collect(),
        }
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} value {:?}", self.type_name, self.value)
    }
}

impl std::error::Error for UnknownValue {}

/// Declare an enum stored and sent as text:
///
/// ```ignore
/// crate::text_enum! {
///     /// A booking's status.
///     pub enum BookingStatus {
///         /// Booked; waiting for check-in.
///         Confirmed = "confirmed",
///         /// Released: not checked in within the grace period.
///         NoShow = "no_show",
///     }
/// }
/// ```
///
/// gives `Clone, Copy, Debug, PartialEq, Eq, Hash`, serde with exactly those spellings,
/// `utoipa::ToSchema` (a documented string enum), `as_str`, a fallible `parse`, `FromStr`,
/// `Display`, `ALL`, and Diesel's `Text` mapping (use the enum directly in `.eq(..)`, in
/// `Queryable` rows and in `select`s; an unknown stored value fails the query).
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:tt ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The one spelling of this value (wire, document and database).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value spelled `s`, or an error naming the type and what was found.
            pub fn parse(s: &str) -> ::std::result::Result<Self, $crate::db::text_enum::UnknownValue> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::db::text_enum::UnknownValue::new(stringify!($name), s)),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::db::text_enum::UnknownValue;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                $name::parse(s)
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let s = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    DB,
                >>::from_sql(bytes)?;
                Ok($name::parse(&s)?)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::text_enum! {
        /// A test enum.
        pub enum Colour {
            /// Red.
            Red = "red",
            /// Dark blue.
            DarkBlue = "dark_blue",
        }
    }

    #[test]
    fn spellings_round_trip_and_unknown_values_are_errors() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Ok(*c));
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<Colour>(&json).unwrap(), *c);
        }
        let e = Colour::parse("Red").unwrap_err();
        assert_eq!(e.to_string(), "unknown Colour value \"Red\"");
        assert!(serde_json::from_str::<Colour>("\"green\"").is_err());
    }

    #[test]
    fn the_database_reads_back_what_it_stored_and_refuses_unknown_text() {
        use diesel::prelude::*;
        use diesel::sql_types::Text;

        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Text)]
            c: Colour,
        }
        let mut conn =
            crate::db::DbConn::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap());
        let row: Row = diesel::sql_query("SELECT ? AS c")
            .bind::<Text, _>(Colour::DarkBlue)
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(row.c, Colour::DarkBlue);
        let bad = diesel::sql_query("SELECT 'green' AS c").get_result::<Row>(&mut conn);
        let msg = bad.err().expect("unknown text must fail").to_string();
        assert!(msg.contains("unknown Colour value"), "{msg}");
    }
}
