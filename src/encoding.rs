//! The one encoder for train, evaluate and tag: tokenization, word alignment,
//! gold-label alignment and windowing are written here once.

use std::ops::Range;
use std::path::Path;

use tokenizers::Tokenizer;

use crate::document::Document;
use crate::error::{Error, Result};
use crate::label::{LabelSet, Tag};

/// Tag id used for sub-tokens, special tokens and padding that the loss ignores.
pub const IGNORE: i64 = -100;

/// A pre-tokenizer word of a document: a half-open code-point range and its first sub-token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// First code point, inclusive.
    pub start: usize,
    /// Last code point, exclusive.
    pub end: usize,
    /// Index of the word's first sub-token in [`Encoding::ids`].
    pub first_token: usize,
}

/// A tokenized document: sub-token ids without special tokens, their words, and
/// (for gold documents) one tag id per word.
#[derive(Debug, Clone)]
pub struct Encoding {
    /// Sub-token ids.
    pub ids: Vec<u32>,
    /// Word index of each sub-token.
    pub token_word: Vec<usize>,
    /// Words in text order.
    pub words: Vec<Word>,
    /// Gold tag id per word (`LabelSet::tag_id`), when encoded with labels.
    pub word_tags: Option<Vec<usize>>,
}

/// Wraps the model folder's `tokenizer.json` with padding and truncation turned off
/// (windowing is ours) and the special tokens the encoder expects.
#[derive(Clone)]
pub struct Encoder {
    tokenizer: Tokenizer,
    /// Id of the sequence-start token (`[CLS]`).
    pub cls: u32,
    /// Id of the sequence-end token (`[SEP]`).
    pub sep: u32,
    /// Id of the padding token.
    pub pad: u32,
}

impl Encoder {
    /// Loads `tokenizer.json`. Padding and truncation stored in the file are turned off.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        // tokenizers 0.23 panics (`expect("Helper")`) on a syntax error inside the
        // decoder section: check the JSON's syntax first.
        serde_json::from_str::<serde::de::IgnoredAny>(&text)
            .map_err(|e| Error::model(path, format!("invalid JSON: {e}")))?;
        let mut tokenizer: Tokenizer = text
            .parse()
            .map_err(|e| Error::model(path, format!("cannot load tokenizer: {e}")))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(None)
            .map_err(|e| Error::model(path, format!("cannot turn truncation off: {e}")))?;
        let find = |names: &[&str]| names.iter().find_map(|n| tokenizer.token_to_id(n));
        let cls = find(&["[CLS]", "<s>"])
            .ok_or_else(|| Error::model(path, "no [CLS] token in the vocabulary"))?;
        let sep = find(&["[SEP]", "</s>"])
            .ok_or_else(|| Error::model(path, "no [SEP] token in the vocabulary"))?;
        let pad = find(&["[PAD]", "<pad>"]).unwrap_or(0);
        Ok(Encoder {
            tokenizer,
            cls,
            sep,
            pad,
        })
    }

    /// Tokenizes a document. With `labels`, also aligns its entities to words: a
    /// word takes the label of the entity it overlaps, `B-` on the entity's first
    /// word and `I-` after. An entity label missing from `labels` is an error.
    pub fn encode(&self, doc: &Document, labels: Option<&LabelSet>) -> Result<Encoding> {
        let enc = self
            .tokenizer
            .encode_char_offsets(doc.text.as_str(), false)
            .map_err(|source| Error::Tokenizer {
                doc: doc.id.clone(),
                source,
            })?;
        let mut words: Vec<Word> = Vec::new();
        let mut token_word = Vec::with_capacity(enc.get_ids().len());
        let mut last_word_id: Option<u32> = None;
        for (t, (&(s, e), wid)) in enc.get_offsets().iter().zip(enc.get_word_ids()).enumerate() {
            // A token without a word id (rare) is its own word.
            let new_word = wid.is_none() || *wid != last_word_id || words.is_empty();
            if new_word {
                words.push(Word {
                    start: s,
                    end: e,
                    first_token: t,
                });
            } else if let Some(w) = words.last_mut() {
                w.start = w.start.min(s);
                w.end = w.end.max(e);
            }
            last_word_id = *wid;
            token_word.push(words.len() - 1);
        }
        let word_tags = labels.map(|set| align_tags(doc, &words, set)).transpose()?;
        Ok(Encoding {
            ids: enc.get_ids().to_vec(),
            token_word,
            words,
            word_tags,
        })
    }
}

fn align_tags(doc: &Document, words: &[Word], set: &LabelSet) -> Result<Vec<usize>> {
    let mut tags = vec![set.tag_id(Tag::Outside); words.len()];
    let mut w = 0;
    for e in &doc.entities {
        let k = set.index(&e.label).ok_or_else(|| Error::Document {
            doc: doc.id.clone(),
            message: format!(
                "label {:?} is not in the model's label set ({set})",
                e.label
            ),
        })?;
        while w < words.len() && words[w].end <= e.start {
            w += 1;
        }
        let mut first = true;
        while w < words.len() && words[w].start < e.end {
            tags[w] = set.tag_id(if first { Tag::Begin(k) } else { Tag::Inside(k) });
            first = false;
            w += 1;
        }
    }
    Ok(tags)
}

/// An entity whose start or end falls inside a word as the tokenizer splits
/// words (`Sudan` in `Sudanese`): training labels the whole words it touches,
/// and predictions, which cover whole words, can never match it strictly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InWord {
    /// Index of the entity in the document's `entities`.
    pub entity: usize,
    /// Half-open code-point range of the words the entity touches.
    pub words: Range<usize>,
}

/// The entities of `doc` (encoded as `enc`) that start or end inside a word.
pub fn entities_inside_words(doc: &Document, enc: &Encoding) -> Vec<InWord> {
    let mut out = Vec::new();
    for (i, e) in doc.entities.iter().enumerate() {
        let first = enc.words.partition_point(|w| w.end <= e.start);
        let touched: Vec<&Word> = enc.words[first..]
            .iter()
            .take_while(|w| w.start < e.end)
            .collect();
        let (Some(a), Some(b)) = (touched.first(), touched.last()) else {
            continue; // no word at all (white space only): nothing to widen
        };
        if a.start != e.start || b.end != e.end {
            out.push(InWord {
                entity: i,
                words: a.start.min(e.start)..b.end.max(e.end),
            });
        }
    }
    out
}

/// Characters that end a line: no entity spans one.
pub fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

impl Encoding {
    /// Per word: whether a line break ([`is_line_break`]: newline, U+2028,
    /// U+2029, …) lies between it and the previous word, in `text` (the
    /// document that was encoded). Decoding starts a new entity there.
    pub fn line_starts(&self, text: &str) -> Vec<bool> {
        let breaks: Vec<usize> = text
            .chars()
            .enumerate()
            .filter(|(_, c)| is_line_break(*c))
            .map(|(i, _)| i)
            .collect();
        let mut prev_end = 0usize;
        self.words
            .iter()
            .map(|w| {
                let from = breaks.partition_point(|&b| b < prev_end);
                let hit = breaks.get(from).is_some_and(|&b| b < w.start);
                prev_end = w.end;
                hit
            })
            .collect()
    }

    /// Splits the sub-tokens into windows of at most `content_len` tokens (the
    /// encoder's maximum length less its two special tokens) that overlap by about
    /// `overlap` tokens. Windows start on a word's first sub-token where possible,
    /// and together they cover every token: nothing is truncated.
    pub fn windows(&self, content_len: usize, overlap: usize) -> Vec<Range<usize>> {
        let n = self.ids.len();
        let content_len = content_len.max(1);
        if n <= content_len {
            return std::iter::once(0..n).collect();
        }
        let stride = content_len.saturating_sub(overlap).max(1);
        let mut out = Vec::new();
        let mut start = 0;
        loop {
            let end = (start + content_len).min(n);
            out.push(start..end);
            if end == n {
                return out;
            }
            let mut next = start + stride;
            let word_start = self.words[self.token_word[next]].first_token;
            if word_start > start {
                next = word_start;
            }
            start = next;
        }
    }

    /// For each word, the window (index into `windows`, ordered by start as
    /// [`Encoding::windows`] makes them) where its first sub-token sits furthest
    /// from a window edge; the first such window on a tie. Linear in words plus
    /// windows: the windows holding a token are a contiguous run that only moves
    /// forward as the token does.
    pub fn best_window(&self, windows: &[Range<usize>]) -> Vec<usize> {
        let (mut lo, mut hi) = (0usize, 0usize);
        self.words
            .iter()
            .map(|w| {
                let t = w.first_token;
                while lo < windows.len() && windows[lo].end <= t {
                    lo += 1;
                }
                hi = hi.max(lo);
                while hi < windows.len() && windows[hi].start <= t {
                    hi += 1;
                }
                let mut best = (0usize, -1i64);
                for (i, r) in windows.iter().enumerate().take(hi).skip(lo) {
                    if r.contains(&t) {
                        let d = (t - r.start).min(r.end - 1 - t) as i64;
                        if d > best.1 {
                            best = (i, d);
                        }
                    }
                }
                best.0
            })
            .collect()
    }

    /// Tag ids for the positions of window `range` framed by `[CLS]`/`[SEP]`:
    /// the word's tag on its first sub-token, [`IGNORE`] elsewhere. Needs gold tags.
    pub fn window_targets(&self, range: &Range<usize>) -> Vec<i64> {
        let tags = self.word_tags.as_deref().unwrap_or(&[]);
        let mut out = Vec::with_capacity(range.len() + 2);
        out.push(IGNORE);
        for t in range.clone() {
            let w = self.token_word[t];
            let first = self.words[w].first_token == t;
            out.push(match (first, tags.get(w)) {
                (true, Some(&tag)) => tag as i64,
                _ => IGNORE,
            });
        }
        out.push(IGNORE);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_starts_mark_words_after_any_line_break() {
        let text = "Raqqa\u{2028}Deir ez-Zor, Homs\u{2029}Hama\r\nIdlib 𝐀\nX";
        let mut words = Vec::new();
        let mut start = None;
        for (i, c) in text.chars().chain(std::iter::once(' ')).enumerate() {
            match (start, c.is_whitespace()) {
                (None, false) => start = Some(i),
                (Some(s), true) => {
                    words.push(Word {
                        start: s,
                        end: i,
                        first_token: words.len(),
                    });
                    start = None;
                }
                _ => {}
            }
        }
        let enc = Encoding {
            ids: vec![],
            token_word: vec![],
            words,
            word_tags: None,
        };
        // Raqqa | Deir ez-Zor, Homs | Hama | Idlib 𝐀 | X
        assert_eq!(
            enc.line_starts(text),
            [false, true, false, false, true, true, false, true]
        );
    }

    /// An encoding of `word_lens[i]` sub-tokens per word (no text needed).
    fn encoding(word_lens: &[usize]) -> Encoding {
        let (mut words, mut token_word) = (Vec::new(), Vec::new());
        for (w, &len) in word_lens.iter().enumerate() {
            words.push(Word {
                start: w * 10,
                end: w * 10 + 5,
                first_token: token_word.len(),
            });
            token_word.extend(std::iter::repeat_n(w, len));
        }
        Encoding {
            ids: vec![7; token_word.len()],
            token_word,
            words,
            word_tags: None,
        }
    }

    fn brute_best(enc: &Encoding, windows: &[Range<usize>]) -> Vec<usize> {
        enc.words
            .iter()
            .map(|w| {
                let t = w.first_token;
                let mut best = (0usize, -1i64);
                for (i, r) in windows.iter().enumerate() {
                    if r.contains(&t) {
                        let d = (t - r.start).min(r.end - 1 - t) as i64;
                        if d > best.1 {
                            best = (i, d);
                        }
                    }
                }
                best.0
            })
            .collect()
    }

    #[test]
    fn a_document_shorter_than_the_overlap_is_one_window() {
        let enc = encoding(&[1, 2]);
        assert_eq!(enc.windows(10, 8), vec![0..3]);
        assert_eq!(enc.best_window(&enc.windows(10, 8)), vec![0, 0]);
        assert_eq!(encoding(&[]).windows(10, 8), vec![0..0]);
    }

    #[test]
    fn a_word_longer_than_a_window_is_covered_and_ends() {
        let enc = encoding(&[1, 25, 1]);
        let w = enc.windows(10, 2);
        assert_eq!(w.first().unwrap().start, 0);
        assert_eq!(w.last().unwrap().end, 27);
        for pair in w.windows(2) {
            assert!(pair[1].start > pair[0].start && pair[1].start <= pair[0].end);
        }
        assert!(w.iter().all(|r| r.len() <= 10));
    }

    #[test]
    fn best_window_is_the_brute_force_choice() {
        let mut rng = crate::rng::Rng::new(5);
        for _ in 0..200 {
            let lens: Vec<usize> = (0..1 + rng.below(60)).map(|_| 1 + rng.below(4)).collect();
            let enc = encoding(&lens);
            let content = 3 + rng.below(12);
            let overlap = rng.below(content / 2 + 1);
            let w = enc.windows(content, overlap);
            assert_eq!(
                enc.best_window(&w),
                brute_best(&enc, &w),
                "{lens:?} {content} {overlap}"
            );
        }
    }
}
