//! Segments of very long documents. A document longer than [`SEGMENT_CHARS`]
//! code points is tagged one segment at a time, so that memory stays bounded
//! whatever its length (the tokenizer's working state grows with the text it
//! is given). Segments end at a paragraph break where there is one, else at a
//! line break, else at white space: entities never span a line break, and no
//! cut falls inside a word unless a stretch of half a segment has no space at all.

/// Documents up to this many code points are tagged whole.
pub const SEGMENT_CHARS: usize = 50_000;

/// A segment of a text: where it starts in code points, and its byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Code-point offset of the segment's first character in the whole text.
    pub char_start: usize,
    /// Half-open byte range of the segment in the whole text.
    pub bytes: std::ops::Range<usize>,
}

/// Cuts `text` into consecutive segments of at most `max_chars` code points
/// (at least 2) that together cover it exactly. Each cut is the last paragraph
/// break (a blank line or U+2029), else the last line break, else the last white
/// space in the second half of a segment; with none, the segment is cut at
/// `max_chars`. A text within `max_chars` is one segment.
pub fn segments(text: &str, max_chars: usize) -> Vec<Segment> {
    let max_chars = max_chars.max(2);
    let mut out = Vec::new();
    let (mut byte, mut chr) = (0usize, 0usize);
    loop {
        let rest = &text[byte..];
        let Some((limit, _)) = rest.char_indices().nth(max_chars) else {
            out.push(Segment {
                char_start: chr,
                bytes: byte..text.len(),
            });
            return out;
        };
        let half = rest.char_indices().nth(max_chars / 2).map_or(0, |(i, _)| i);
        let tail = &rest[half..limit];
        let after = |i: usize| i + tail[i..].chars().next().map_or(1, char::len_utf8);
        let cut = tail
            .rfind("\n\n")
            .map(|i| i + 2)
            .or_else(|| tail.rfind('\u{2029}').map(after))
            .or_else(|| tail.rfind(crate::encoding::is_line_break).map(after))
            .or_else(|| tail.rfind(char::is_whitespace).map(after))
            .map_or(limit, |i| half + i);
        out.push(Segment {
            char_start: chr,
            bytes: byte..byte + cut,
        });
        chr += rest[..cut].chars().count();
        byte += cut;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_cover(text: &str, segs: &[Segment], max: usize) {
        let mut byte = 0;
        let mut chr = 0;
        for s in segs {
            assert_eq!(s.bytes.start, byte);
            assert_eq!(s.char_start, chr);
            let piece = &text[s.bytes.clone()];
            assert!(piece.chars().count() <= max, "{piece:?}");
            byte = s.bytes.end;
            chr += piece.chars().count();
        }
        assert_eq!(byte, text.len());
    }

    #[test]
    fn short_text_is_one_segment() {
        let segs = segments("Goma fell.", 100);
        assert_eq!(
            segs,
            vec![Segment {
                char_start: 0,
                bytes: 0..10
            }]
        );
        assert_eq!(segments("", 100).len(), 1);
    }

    #[test]
    fn cuts_prefer_paragraphs_then_lines_then_spaces() {
        let text = "aaaa bbbb\ncccc\n\ndddd eeee ffff gggg";
        let segs = segments(text, 20);
        check_cover(text, &segs, 20);
        assert_eq!(&text[segs[0].bytes.clone()], "aaaa bbbb\ncccc\n\n");
        let text = "aaaa bbbb\ncccc dddd eeee ffff";
        let segs = segments(text, 16);
        check_cover(text, &segs, 16);
        assert_eq!(&text[segs[0].bytes.clone()], "aaaa bbbb\n");
        let text = "aaaa bbbb cccc dddd eeee ffff";
        let segs = segments(text, 12);
        check_cover(text, &segs, 12);
        assert_eq!(&text[segs[0].bytes.clone()], "aaaa bbbb ");
    }

    #[test]
    fn multi_byte_text_without_spaces_is_cut_at_the_limit() {
        let text = "𝟏é日".repeat(50);
        let segs = segments(&text, 7);
        check_cover(&text, &segs, 7);
        assert!(segs.len() >= 150 / 7);
        let text = "Raqqa\u{2028}Deir\u{2029}Homs Hama Idlib ".repeat(40);
        let segs = segments(&text, 30);
        check_cover(&text, &segs, 30);
        // Every cut but the last falls right after a separator or a space.
        for s in &segs[..segs.len() - 1] {
            let c = text[..s.bytes.end].chars().last().unwrap();
            assert!(c.is_whitespace(), "cut after {c:?}");
        }
    }
}
