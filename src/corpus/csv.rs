//! One CSV row per entity, `id,start,end,label,text` (code-point offsets, end
//! exclusive), quoted by RFC 4180: for spreadsheets and review; not read back.

use std::io::Write;

use crate::document::Document;

/// Writes a header row and one row per entity, documents in order.
pub fn write_csv<W: Write>(out: &mut W, docs: &[Document]) -> std::io::Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    w.write_record(["id", "start", "end", "label", "text"])
        .map_err(std::io::Error::other)?;
    for doc in docs {
        for e in &doc.entities {
            let (s, t) = (e.start.to_string(), e.end.to_string());
            let text = doc.slice(e.start, e.end).unwrap_or("");
            w.write_record([doc.id.as_str(), &s, &t, &e.label, text])
                .map_err(std::io::Error::other)?;
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Entity;

    #[test]
    fn quotes_commas_quotes_and_line_breaks() {
        let d = Document {
            id: "a,1".into(),
            text: "\"Goma\r\nKivu\" 𝐀".into(),
            entities: vec![Entity::new(0, 12, "LOC"), Entity::new(13, 14, "X")],
        };
        let mut out = Vec::new();
        write_csv(&mut out, &[d]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id,start,end,label,text\n\"a,1\",0,12,LOC,\"\"\"Goma\r\nKivu\"\"\"\n\"a,1\",13,14,X,𝐀\n"
        );
    }
}
