//! Typed labels: entity labels, BIO tags and tagging schemes, parsed once at the edge.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A BIO tag over entity label indices into a [`LabelSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tag {
    /// Outside any entity.
    Outside,
    /// First word of an entity of label `.0`.
    Begin(usize),
    /// A later word of an entity of label `.0`.
    Inside(usize),
}

/// Tagging schemes found in column files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Scheme {
    /// `I-` starts an entity unless it continues one of the same type; `B-` only splits adjacent entities.
    Iob1,
    /// Every entity starts with `B-`.
    Iob2,
    /// `B-` begin, `I-` inside, `E-` end, `S-` single.
    Bioes,
}

impl std::str::FromStr for Scheme {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_uppercase().as_str() {
            "IOB1" => Ok(Scheme::Iob1),
            "IOB2" | "BIO" => Ok(Scheme::Iob2),
            "BIOES" | "IOBES" => Ok(Scheme::Bioes),
            _ => Err(format!(
                "unknown scheme {s:?} (expected IOB1, IOB2 or BIOES)"
            )),
        }
    }
}

/// A raw tag as written in a column file: its prefix and its label text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawTag {
    /// One of `O`, `B`, `I`, `E`, `S`.
    pub prefix: char,
    /// The entity label; empty for `O`.
    pub label: String,
}

impl RawTag {
    /// Parses `O`, `B-X`, `I-X`, `E-X`, `S-X` (also `L-`/`U-` as BILOU aliases of `E-`/`S-`).
    pub fn parse(text: &str) -> Result<Self, String> {
        if text == "O" {
            return Ok(RawTag {
                prefix: 'O',
                label: String::new(),
            });
        }
        let mut chars = text.chars();
        let (p, sep) = (chars.next(), chars.next());
        let label: String = chars.collect();
        match (p, sep) {
            (Some(p @ ('B' | 'I' | 'E' | 'S' | 'L' | 'U')), Some('-' | '_'))
                if !label.is_empty() =>
            {
                let prefix = match p {
                    'L' => 'E',
                    'U' => 'S',
                    p => p,
                };
                Ok(RawTag { prefix, label })
            }
            _ => Err(format!(
                "tag {text:?} is not O or B-/I-/E-/S- followed by a label"
            )),
        }
    }
}

/// The ordered set of entity labels a model predicts.
///
/// Tag indices: `0` is `O`, `1 + 2k` is `B-label[k]`, `2 + 2k` is `I-label[k]`,
/// so a model over `n` labels has `2n + 1` output classes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelSet {
    labels: Vec<String>,
}

impl LabelSet {
    /// A label set from label names; sorted and deduplicated so it does not depend on data order.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(labels: I) -> Self {
        let mut labels: Vec<String> = labels.into_iter().map(Into::into).collect();
        labels.sort();
        labels.dedup();
        LabelSet { labels }
    }

    /// A label set in the given order (a saved model's: its classifier's rows),
    /// not re-sorted; duplicate or empty names are an error naming them.
    pub fn from_ordered(labels: Vec<String>) -> std::result::Result<Self, String> {
        let mut seen = std::collections::HashSet::new();
        for l in &labels {
            if l.is_empty() || l == "O" {
                return Err(format!("{l:?} is not an entity label"));
            }
            if !seen.insert(l) {
                return Err(format!("label {l:?} is listed twice"));
            }
        }
        if labels.is_empty() {
            return Err("no labels".into());
        }
        Ok(LabelSet { labels })
    }

    /// Entity label names, in index order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Number of entity labels (not tags).
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when the set has no labels.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of tag classes: `2 * len() + 1`.
    pub fn num_tags(&self) -> usize {
        2 * self.labels.len() + 1
    }

    /// Index of a label name.
    pub fn index(&self, label: &str) -> Option<usize> {
        self.labels.binary_search_by(|l| l.as_str().cmp(label)).ok()
    }

    /// Name of label `index`.
    pub fn name(&self, index: usize) -> &str {
        &self.labels[index]
    }

    /// Tag class index of a tag, in `0..num_tags()`.
    pub fn tag_id(&self, tag: Tag) -> usize {
        match tag {
            Tag::Outside => 0,
            Tag::Begin(k) => 1 + 2 * k,
            Tag::Inside(k) => 2 + 2 * k,
        }
    }

    /// The tag of class index `id` (must be `< num_tags()`).
    pub fn tag(&self, id: usize) -> Tag {
        match id {
            0 => Tag::Outside,
            id if id % 2 == 1 => Tag::Begin((id - 1) / 2),
            id => Tag::Inside((id - 2) / 2),
        }
    }

    /// Display form of a tag (`O`, `B-LOCATION`...).
    pub fn tag_name(&self, tag: Tag) -> String {
        match tag {
            Tag::Outside => "O".into(),
            Tag::Begin(k) => format!("B-{}", self.labels[k]),
            Tag::Inside(k) => format!("I-{}", self.labels[k]),
        }
    }
}

impl fmt::Display for LabelSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.labels.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_ids_round_trip() {
        let set = LabelSet::new(["PER", "LOC", "PER"]);
        assert_eq!(set.labels(), &["LOC".to_string(), "PER".to_string()]);
        for id in 0..set.num_tags() {
            assert_eq!(set.tag_id(set.tag(id)), id);
        }
        assert_eq!(set.tag_name(set.tag(3)), "B-PER");
    }

    #[test]
    fn raw_tags_parse() {
        assert_eq!(RawTag::parse("B-LOC").unwrap().label, "LOC");
        assert_eq!(RawTag::parse("U-LOC").unwrap().prefix, 'S');
        assert!(RawTag::parse("X-LOC").is_err());
        assert!(RawTag::parse("B-").is_err());
        assert!(RawTag::parse("LOC").is_err());
    }
}
