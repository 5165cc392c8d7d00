//! Inference: documents → windows → tag scores → constrained tags → entities.

use candle_core::D;

use crate::batch::{make_batch, sorted_batches, windows};
use crate::decode::{tags_to_entities, viterbi};
use crate::document::Document;
use crate::encoding::{Encoder, Encoding};
use crate::error::Result;
use crate::label::LabelSet;
use crate::metrics::{Evaluation, Report};
use crate::mistakes::Alignment;
use crate::model::{Precision, TokenClassifier};

/// A window's sub-token range and its per-position log-probabilities.
type WindowScores = (std::ops::Range<usize>, Vec<Vec<f32>>);

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
    /// where it sits furthest from an edge.
    pub fn tag(&self, docs: &[Document]) -> Result<Vec<Document>> {
        let encodings: Vec<Encoding> = docs
            .iter()
            .map(|d| self.encoder.encode(d, None))
            .collect::<Result<_>>()?;
        let scores = self.word_scores(&encodings)?;
        Ok(docs
            .iter()
            .zip(&encodings)
            .zip(scores)
            .map(|((doc, enc), scores)| {
                let tags = viterbi(&scores, &self.labels, &enc.line_starts(&doc.text));
                let probs: Vec<f32> = tags
                    .iter()
                    .zip(&scores)
                    .map(|(t, row)| row[self.labels.tag_id(*t)].exp())
                    .collect();
                Document {
                    id: doc.id.clone(),
                    text: doc.text.clone(),
                    entities: tags_to_entities(&enc.words, &tags, &probs, &self.labels),
                }
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
