//! doccano's sequence-labelling JSONL, for import into doccano:
//! `{"id": str, "text": str, "label": [[start, end, "LABEL"], ...]}`, offsets in
//! code points, end exclusive. (Reading it is the JSONL reader's job.)

use std::io::Write;

use serde_json::json;

use crate::document::Document;

/// Writes one doccano line per document.
pub fn write_doccano<W: Write>(out: &mut W, docs: &[Document]) -> std::io::Result<()> {
    for doc in docs {
        let label: Vec<_> = doc
            .entities
            .iter()
            .map(|e| json!([e.start, e.end, e.label]))
            .collect();
        serde_json::to_writer(
            &mut *out,
            &json!({"id": doc.id, "text": doc.text, "label": label}),
        )?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Entity;

    #[test]
    fn writes_label_triples_that_read_back() {
        let d = Document {
            id: "a".into(),
            text: "𝐀 Goma\r\nKivu".into(),
            entities: vec![Entity::new(2, 6, "LOC"), Entity::new(8, 12, "LOC")],
        };
        let mut out = Vec::new();
        write_doccano(&mut out, std::slice::from_ref(&d)).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(
            s.contains("\"label\":[[2,6,\"LOC\"],[8,12,\"LOC\"]]"),
            "{s}"
        );
        let back = super::super::parse_jsonl(&s, std::path::Path::new("d.jsonl")).unwrap();
        assert_eq!(back, vec![d]);
    }
}
