//! Documents and entity spans: the one type for gold and predicted annotations.

use serde::{Deserialize, Serialize};

/// One entity mention: a half-open range `[start, end)` of **Unicode code points**
/// into its document's text, so that Python's `text[start:end]` is its surface text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// First code point, inclusive.
    pub start: usize,
    /// Last code point, exclusive.
    pub end: usize,
    /// Entity label name.
    pub label: String,
    /// Surface text (filled in on output; ignored on input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Model confidence in `[0, 1]` (predictions only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
}

impl Entity {
    /// A gold entity without text or score.
    pub fn new(start: usize, end: usize, label: impl Into<String>) -> Self {
        Entity {
            start,
            end,
            label: label.into(),
            text: None,
            score: None,
        }
    }
}

/// A document with its entities, sorted by start offset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Identifier, unique within a corpus.
    pub id: String,
    /// The full text.
    pub text: String,
    /// Entities, sorted by `start`, non-overlapping.
    #[serde(default)]
    pub entities: Vec<Entity>,
}

impl Document {
    /// Length of the text in code points.
    pub fn char_len(&self) -> usize {
        self.text.chars().count()
    }

    /// The text of a code-point range `[start, end)`; `None` when out of range.
    pub fn slice(&self, start: usize, end: usize) -> Option<&str> {
        char_slice(&self.text, start, end)
    }

    /// Sorts entities and checks each lies in the text, is non-empty and overlaps no other.
    /// The error names the entity by its offsets and label.
    pub fn validate(&mut self) -> Result<(), String> {
        let len = self.char_len();
        for e in &self.entities {
            if e.start > e.end {
                return Err(format!(
                    "span {}..{} ({}) is reversed",
                    e.start, e.end, e.label
                ));
            }
            if e.start == e.end {
                return Err(format!(
                    "span {}..{} ({}) is empty",
                    e.start, e.end, e.label
                ));
            }
            if e.end > len {
                return Err(format!(
                    "span {}..{} ({}) is out of range: the text has {len} code points",
                    e.start, e.end, e.label
                ));
            }
            if e.label.trim().is_empty() {
                return Err(format!("span {}..{} has an empty label", e.start, e.end));
            }
        }
        self.entities.sort_by_key(|e| (e.start, e.end));
        for pair in self.entities.windows(2) {
            if pair[1].start < pair[0].end {
                return Err(format!(
                    "span {}..{} ({}) overlaps span {}..{} ({})",
                    pair[1].start,
                    pair[1].end,
                    pair[1].label,
                    pair[0].start,
                    pair[0].end,
                    pair[0].label
                ));
            }
        }
        Ok(())
    }

    /// Fills each entity's `text` from the document text.
    pub fn fill_entity_text(&mut self) {
        let starts = char_byte_starts(&self.text);
        for e in &mut self.entities {
            e.text = Some(self.text[starts[e.start]..starts[e.end]].to_string());
        }
    }
}

/// Byte offset of each code point, plus the text's byte length at index `chars`.
pub fn char_byte_starts(text: &str) -> Vec<usize> {
    let mut starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    starts.push(text.len());
    starts
}

/// The text of a code-point range `[start, end)`; `None` when out of range or reversed.
pub fn char_slice(text: &str, start: usize, end: usize) -> Option<&str> {
    if start > end {
        return None;
    }
    let mut it = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()));
    let b0 = it.nth(start)?;
    let b1 = if end == start {
        b0
    } else {
        it.nth(end - start - 1)?
    };
    Some(&text[b0..b1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_by_code_point() {
        let t = "Türkiye 🙂 حلب";
        assert_eq!(char_slice(t, 0, 7), Some("Türkiye"));
        assert_eq!(char_slice(t, 8, 9), Some("🙂"));
        assert_eq!(char_slice(t, 10, 13), Some("حلب"));
        assert_eq!(char_slice(t, 10, 14), None);
        assert_eq!(char_slice(t, 13, 13), Some(""));
    }

    #[test]
    fn validation_names_the_span() {
        let mut d = Document {
            id: "d".into(),
            text: "abc def".into(),
            entities: vec![Entity::new(4, 7, "X"), Entity::new(0, 5, "Y")],
        };
        let err = d.validate().unwrap_err();
        assert!(err.contains("overlaps"), "{err}");
        d.entities = vec![Entity::new(5, 3, "X")];
        assert!(d.validate().unwrap_err().contains("reversed"));
        d.entities = vec![Entity::new(5, 9, "X")];
        assert!(d.validate().unwrap_err().contains("out of range"));
    }
}
