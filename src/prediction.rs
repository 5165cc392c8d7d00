//! A tagged document as `tag` writes it: each entity with its text and score,
//! and FIGURE entities with their normalised value ([`crate::figure`]).

use serde::Serialize;

use crate::document::{char_byte_starts, Document};
use crate::figure::{self, FigureValue};

/// One predicted entity, ready to write. Offsets are Unicode code points, end exclusive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictedEntity<'a> {
    pub start: usize,
    pub end: usize,
    pub label: &'a str,
    /// The document's text at `start..end`.
    pub text: &'a str,
    /// Mean probability of the entity's word tags, in `[0, 1]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// FIGURE entities only: `Some(None)` (written `null`) when the text cannot be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Option<FigureValue>>,
}

/// A tagged document, ready to write: `{"id", "text", "entities": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction<'a> {
    pub id: &'a str,
    pub text: &'a str,
    pub entities: Vec<PredictedEntity<'a>>,
}

impl<'a> Prediction<'a> {
    /// The document's entities with their text and, for FIGURE, their value.
    /// Entities must lie inside the text (as the tagger's always do).
    pub fn new(doc: &'a Document) -> Self {
        let starts = char_byte_starts(&doc.text);
        let at = |i: usize| starts.get(i).copied().unwrap_or(doc.text.len());
        let entities = doc
            .entities
            .iter()
            .map(|e| {
                let text = doc.text.get(at(e.start)..at(e.end)).unwrap_or("");
                PredictedEntity {
                    start: e.start,
                    end: e.end,
                    label: &e.label,
                    text,
                    score: e.score,
                    value: (e.label == figure::LABEL).then(|| figure::normalise(text)),
                }
            })
            .collect();
        Prediction {
            id: &doc.id,
            text: &doc.text,
            entities,
        }
    }

    /// FIGURE entities whose value could not be read (`"value": null`).
    pub fn unreadable_figures(&self) -> usize {
        self.entities
            .iter()
            .filter(|e| matches!(e.value, Some(None)))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Entity;

    #[test]
    fn figures_carry_values_and_others_do_not() {
        let doc = Document {
            id: "d".into(),
            text: "Rebels killed at least 14 in Goma; several fled.".into(),
            entities: vec![
                Entity::new(0, 6, "ARMED_GROUP"),
                Entity::new(14, 25, "FIGURE"),
                Entity::new(29, 33, "LOCATION"),
                Entity::new(35, 42, "FIGURE"),
            ],
        };
        let p = Prediction::new(&doc);
        let json = serde_json::to_string(&p).unwrap();
        assert!(
            json.contains(
                r#""text":"at least 14","value":{"low":14,"high":null,"unit":null,"approx":false}"#
            ),
            "{json}"
        );
        assert!(json.contains(r#""text":"several","value":null"#), "{json}");
        assert!(!json.contains(r#""text":"Goma","value""#), "{json}");
        assert_eq!(p.unreadable_figures(), 1);
        let v: serde_json::Value = serde_json::from_str(
            &serde_json::to_string(&FigureValue {
                low: Some(0.5),
                high: Some(1e300),
                unit: Some("fraction"),
                approx: true,
            })
            .unwrap(),
        )
        .unwrap();
        assert_eq!(v["low"], 0.5);
        assert_eq!(v["high"], 1e300);
    }
}
