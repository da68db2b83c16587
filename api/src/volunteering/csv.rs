//! A small CSV writer for exports opened in Excel: UTF-8 with a BOM, CRLF rows, fields quoted
//! when they hold a comma, quote or line break (quotes doubled), and text that a spreadsheet
//! would run as a formula (`=`, `+`, `-`, `@`) prefixed with `'`.

/// The byte-order mark Excel needs to read UTF-8.
pub const BOM: &str = "\u{feff}";

/// A plain field (numbers, times, codes).
pub fn field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// A field of text people typed (names, titles): guarded against formula injection.
pub fn text(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        field(&format!("'{value}"))
    } else {
        field(value)
    }
}

/// Append a row.
pub fn row(out: &mut String, fields: &[String]) {
    out.push_str(&fields.join(","));
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_injection() {
        assert_eq!(field("abc"), "abc");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(text("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(text("-1,2"), "\"'-1,2\"");
        assert_eq!(text("张三"), "张三");
        let mut out = String::new();
        row(&mut out, &[field("a"), field("b,c")]);
        assert_eq!(out, "a,\"b,c\"\r\n");
    }
}
