//! Offsets between Unicode code points (what [`Document`](crate::Document)
//! counts) and UTF-16 code units (what Label Studio, a JavaScript program, counts).

/// The UTF-16 offset of every code-point boundary of one text.
#[derive(Debug, Clone)]
pub struct Utf16Offsets {
    /// `units[i]`: UTF-16 code units before code point `i`; the last entry is the
    /// text's length in code units.
    units: Vec<usize>,
}

impl Utf16Offsets {
    /// The table for `text`.
    pub fn new(text: &str) -> Self {
        let mut units = Vec::with_capacity(text.len() + 1);
        let mut at = 0;
        units.push(0);
        for c in text.chars() {
            at += c.len_utf16();
            units.push(at);
        }
        Utf16Offsets { units }
    }

    /// The text's length in UTF-16 code units.
    pub fn utf16_len(&self) -> usize {
        self.units[self.units.len() - 1]
    }

    /// The code-point offset of UTF-16 offset `unit`; `None` when it is past the
    /// end or falls between the two halves of a surrogate pair.
    pub fn to_char(&self, unit: usize) -> Option<usize> {
        self.units.binary_search(&unit).ok()
    }

    /// The UTF-16 offset of code-point offset `char`; `None` past the end.
    pub fn to_utf16(&self, char: usize) -> Option<usize> {
        self.units.get(char).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn astral_characters_take_two_units() {
        // 🇺🇦 is two regional indicators, each outside the BMP; 𝐀 is one astral letter.
        let t = "🇺🇦 Kyiv, 𝐀 Goma, é";
        let o = Utf16Offsets::new(t);
        assert_eq!(o.to_char(0), Some(0));
        assert_eq!(o.to_char(1), None, "inside a surrogate pair");
        assert_eq!(o.to_char(5), Some(3), "Kyiv starts at code point 3");
        assert_eq!(o.to_utf16(3), Some(5));
        assert_eq!(o.to_char(11), Some(9), "𝐀");
        assert_eq!(o.to_char(14), Some(11), "Goma");
        assert_eq!(o.utf16_len(), t.encode_utf16().count());
        assert_eq!(o.to_char(o.utf16_len() + 1), None);
        assert_eq!(o.to_utf16(t.chars().count()), Some(o.utf16_len()));
    }
}
