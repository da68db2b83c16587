//! The one CSV writer of every export (activity rosters, partner utilisation), built on the
//! `csv` crate: RFC 4180 quoting, CRLF rows, and every cell that a spreadsheet would run as a
//! formula or a command (one starting with `=`, `+`, `-`, `@`, a tab or a carriage return)
//! prefixed with `'`, so it shows as the text it is. Every cell is treated so, numbers and
//! times included: an export has no cell that should be a formula, and a rule with no
//! exceptions cannot be forgotten for a new column.

use std::borrow::Cow;

use crate::error::{ApiError, ApiResult};

/// The byte-order mark Excel needs to read UTF-8.
const BOM: &str = "\u{feff}";

/// A CSV document being written.
pub struct CsvExport {
    writer: csv::Writer<Vec<u8>>,
}

/// `cell`, prefixed with `'` when a spreadsheet would take it for a formula.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

impl CsvExport {
    /// A document with this header row; `excel` starts it with a UTF-8 byte-order mark (for
    /// files people open in Excel; machine readers do without).
    pub fn new<I, S>(header: I, excel: bool) -> ApiResult<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut buf = Vec::new();
        if excel {
            buf.extend_from_slice(BOM.as_bytes());
        }
        let writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(buf);
        let mut doc = CsvExport { writer };
        doc.row(header)?;
        Ok(doc)
    }

    /// Append a row, each cell neutralised.
    pub fn row<I, S>(&mut self, cells: I) -> ApiResult<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| neutralise(c.as_ref()).into_owned())
            .collect();
        self.writer.write_record(&cells).map_err(ApiError::internal)
    }

    /// The finished document.
    pub fn finish(self) -> ApiResult<Vec<u8>> {
        self.writer
            .into_inner()
            .map_err(|e| ApiError::internal(e.error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let mut doc = CsvExport::new(["a", "b"], false).unwrap();
        doc.row(["=SUM(A1)", "x,y"]).unwrap();
        doc.row(["-1", "say \"hi\""]).unwrap();
        doc.row(["\tcmd", "two\nlines"]).unwrap();
        doc.row(["@x", "+1"]).unwrap();
        let out = String::from_utf8(doc.finish().unwrap()).unwrap();
        assert_eq!(
            out,
            "a,b\r\n'=SUM(A1),\"x,y\"\r\n'-1,\"say \"\"hi\"\"\"\r\n'\tcmd,\"two\nlines\"\r\n'@x,'+1\r\n"
        );
    }

    #[test]
    fn excel_documents_start_with_a_bom() {
        let out = CsvExport::new(["名字"], true).unwrap().finish().unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "\u{feff}名字\r\n");
    }
}
