//! Inference: documents → windows → tag scores → constrained tags → entities.

use candle_core::D;
use rayon::prelude::*;

use crate::batch::{make_batch, sorted_batches, windows};
use crate::decode::{tags_to_entities, viterbi};
use crate::document::{Document, Entity};
use crate::encoding::{Encoder, Encoding};
use crate::error::Result;
use crate::label::LabelSet;
use crate::metrics::{Evaluation, Report};
use crate::mistakes::Alignment;
use crate::model::{Precision, TokenClassifier};
use crate::segment::{segments, SEGMENT_CHARS};

/// A window's sub-token range and its per-position log-probabilities.
type WindowScores = (std::ops::Range<usize>, Vec<Vec<f32>>);

/// Code points of text encoded and scored at once by [`Tagger::tag`] (more
/// when a single document segment is longer).
pub const GROUP_CHARS: usize = 200_000;

/// Documents per group in [`Tagger::evaluate`].
pub const EVAL_GROUP: usize = 64;

/// A trained model with everything needed to tag text.
pub struct Tagger {
    /// The network.
    pub model: TokenClassifier,
    /// The model folder's tokenizer.
    pub encoder: Encoder,
    /// The label set the head predicts.
    pub labels: LabelSet,
    /// Encoder window in sub-tokens, special tokens included.
    pub max_len: usize,
    /// Sub-tokens shared by consecutive windows.
    pub window_overlap: usize,
    /// Windows per forward pass.
    pub batch_size: usize,
}

impl Tagger {
    /// Sets the arithmetic of the encoder's products (see [`TokenClassifier::set_precision`]).
    pub fn set_precision(&mut self, precision: Precision) {
        self.model.set_precision(precision);
    }

    /// Tags documents; returns them in the same order with predicted entities
    /// (code-point offsets, scores in `[0, 1]`) in place of any gold ones.
    /// Long documents are windowed; each word takes the prediction of the window
    /// where it sits furthest from an edge. A document over
    /// [`SEGMENT_CHARS`](crate::segment::SEGMENT_CHARS) code points is tagged
    /// segment by segment ([`crate::segment`]; windows do not cross a segment's
    /// end), and at most about [`GROUP_CHARS`] code points are in memory as
    /// encodings and scores at once.
    pub fn tag(&self, docs: &[Document]) -> Result<Vec<Document>> {
        let mut out: Vec<Document> = docs
            .iter()
            .map(|d| Document {
                id: d.id.clone(),
                text: d.text.clone(),
                entities: Vec::new(),
            })
            .collect();
        // Segments as documents of their own, with (document, code-point offset).
        let mut group: Vec<Document> = Vec::new();
        let mut at: Vec<(usize, usize)> = Vec::new();
        let mut group_chars = 0;
        for (di, d) in docs.iter().enumerate() {
            for seg in segments(&d.text, SEGMENT_CHARS) {
                let text = &d.text[seg.bytes.clone()];
                let n = text.chars().count();
                if !group.is_empty() && group_chars + n > GROUP_CHARS {
                    self.tag_group(&mut group, &mut at, &mut out)?;
                    group_chars = 0;
                }
                group_chars += n;
                at.push((di, seg.char_start));
                group.push(Document {
                    id: d.id.clone(),
                    text: text.to_string(),
                    entities: Vec::new(),
                });
            }
        }
        self.tag_group(&mut group, &mut at, &mut out)?;
        Ok(out)
    }

    /// Tags the segments in `group` together, moves their entities (shifted by
    /// each segment's offset `at`) to their documents in `out`, and empties both.
    fn tag_group(
        &self,
        group: &mut Vec<Document>,
        at: &mut Vec<(usize, usize)>,
        out: &mut [Document],
    ) -> Result<()> {
        let tagged = self.tag_whole(group)?;
        group.clear();
        for ((di, offset), entities) in at.drain(..).zip(tagged) {
            out[di].entities.extend(entities.into_iter().map(|mut e| {
                e.start += offset;
                e.end += offset;
                e
            }));
        }
        Ok(())
    }

    /// Entities of each document, each tagged whole.
    fn tag_whole(&self, docs: &[Document]) -> Result<Vec<Vec<Entity>>> {
        // Tokenizing and decoding are per document: spread over the cores too.
        let (encoder, labels) = (&self.encoder, &self.labels);
        let encodings: Vec<Encoding> = docs
            .par_iter()
            .map(|d| encoder.encode(d, None))
            .collect::<Result<_>>()?;
        let scores = self.word_scores(&encodings)?;
        Ok(docs
            .par_iter()
            .zip(&encodings)
            .zip(scores)
            .map(|((doc, enc), scores)| {
                let tags = viterbi(&scores, labels, &enc.line_starts(&doc.text));
                let probs: Vec<f32> = tags
                    .iter()
                    .zip(&scores)
                    .map(|(t, row)| row[labels.tag_id(*t)].exp())
                    .collect();
                tags_to_entities(&enc.words, &tags, &probs, labels)
            })
            .collect())
    }

    /// Tags `gold` documents and scores the predictions against them (strict
    /// entity matching), in groups of [`EVAL_GROUP`] documents; `progress` gets
    /// the number of documents done after each group. `train`'s dev evaluations
    /// and the `evaluate` command both run this.
    pub fn evaluate(&self, gold: &[Document], progress: &mut dyn FnMut(usize)) -> Result<Report> {
        self.evaluate_each(gold, progress, &mut |_, _, _| {})
    }

    /// [`Tagger::evaluate`], handing each (gold, predicted) pair and their
    /// pairing ([`crate::mistakes::align`]) to `each` in order (for error analysis).
    pub fn evaluate_each(
        &self,
        gold: &[Document],
        progress: &mut dyn FnMut(usize),
        each: &mut dyn FnMut(&Document, Document, Alignment),
    ) -> Result<Report> {
        let mut ev = Evaluation::default();
        for chunk in gold.chunks(EVAL_GROUP) {
            let pred = self.tag(chunk)?;
            for (g, p) in chunk.iter().zip(pred) {
                let alignment = ev.add(g, &p);
                each(g, p, alignment);
            }
            progress(chunk.len());
        }
        Ok(ev.report())
    }

    /// Log-probabilities `[word][tag]` for each document's words.
    fn word_scores(&self, encodings: &[Encoding]) -> Result<Vec<Vec<Vec<f32>>>> {
        let exs = windows(encodings, &self.encoder, self.max_len, self.window_overlap);
        // Per example: log-probabilities per position.
        let mut out: Vec<Vec<Vec<f32>>> = vec![Vec::new(); exs.len()];
        let lengths: Vec<usize> = exs.iter().map(|e| e.ids.len()).collect();
        for batch_idx in sorted_batches(&lengths, self.batch_size) {
            let refs: Vec<_> = batch_idx.iter().map(|&i| &exs[i]).collect();
            let batch = make_batch(&refs, self.encoder.pad)?;
            let logits = self.model.forward_t(&batch.input, false)?;
            let logp = candle_nn::ops::log_softmax(&logits, D::Minus1)?.to_vec3::<f32>()?;
            for (row, &i) in logp.into_iter().zip(&batch_idx) {
                out[i] = row;
            }
        }
        let mut per_doc: Vec<Vec<WindowScores>> = vec![Vec::new(); encodings.len()];
        for (ex, rows) in exs.into_iter().zip(out) {
            per_doc[ex.doc].push((ex.window, rows));
        }
        Ok(encodings
            .iter()
            .zip(per_doc)
            .map(|(enc, wins)| {
                let ranges: Vec<_> = wins.iter().map(|(r, _)| r.clone()).collect();
                enc.best_window(&ranges)
                    .into_iter()
                    .zip(&enc.words)
                    .map(|(wi, word)| {
                        let (range, rows) = &wins[wi];
                        // +1 skips [CLS].
                        rows[word.first_token - range.start + 1].clone()
                    })
                    .collect()
            })
            .collect())
    }
}
