//! Windows to padded tensors, and length-bucketed batch order.

use std::ops::Range;

use candle_core::{Device, Tensor};

use crate::encoding::{Encoder, Encoding, IGNORE};
use crate::error::Result;
use crate::model::BertInput;
use crate::rng::Rng;

/// One encoder input: a window of a document's sub-tokens framed by `[CLS]`/`[SEP]`,
/// with per-position targets.
#[derive(Debug, Clone)]
pub struct Window {
    /// Token ids including the special tokens.
    pub ids: Vec<u32>,
    /// Tag id per position, [`IGNORE`] where no loss applies.
    pub targets: Vec<i64>,
    /// Index of the source document.
    pub doc: usize,
    /// The window's sub-token range in the document's encoding.
    pub window: Range<usize>,
}

/// Every window of every encoding as an example. `max_len` counts the special tokens.
pub fn windows(
    encodings: &[Encoding],
    encoder: &Encoder,
    max_len: usize,
    overlap: usize,
) -> Vec<Window> {
    let mut out = Vec::new();
    for (doc, enc) in encodings.iter().enumerate() {
        for window in enc.windows(max_len.saturating_sub(2), overlap) {
            let mut ids = Vec::with_capacity(window.len() + 2);
            ids.push(encoder.cls);
            ids.extend_from_slice(&enc.ids[window.clone()]);
            ids.push(encoder.sep);
            out.push(Window {
                ids,
                targets: enc.window_targets(&window),
                doc,
                window,
            });
        }
    }
    out
}

/// A padded batch: encoder input `[batch, seq]` and targets `[batch, seq]` (`i64`).
pub struct Batch {
    pub input: BertInput,
    pub targets: Tensor,
    /// Real (non-padding) tokens in the batch.
    pub tokens: usize,
}

/// Pads `windows` to the longest with `pad` (targets [`IGNORE`], mask 0).
pub fn make_batch(windows: &[&Window], pad: u32) -> Result<Batch> {
    let b = windows.len();
    let t = windows.iter().map(|e| e.ids.len()).max().unwrap_or(0);
    let mut ids = vec![pad; b * t];
    let mut mask = vec![0f32; b * t];
    let mut targets = vec![IGNORE; b * t];
    let mut tokens = 0;
    for (i, e) in windows.iter().enumerate() {
        let row = i * t;
        ids[row..row + e.ids.len()].copy_from_slice(&e.ids);
        mask[row..row + e.ids.len()].fill(1.0);
        targets[row..row + e.targets.len()].copy_from_slice(&e.targets);
        tokens += e.ids.len();
    }
    let dev = Device::Cpu;
    Ok(Batch {
        input: BertInput {
            ids: Tensor::from_vec(ids, (b, t), &dev)?,
            type_ids: Tensor::zeros((b, t), candle_core::DType::U32, &dev)?,
            mask: Tensor::from_vec(mask, (b, t), &dev)?,
        },
        targets: Tensor::from_vec(targets, (b, t), &dev)?,
        tokens,
    })
}

/// Batches of indices into `lengths` with similar lengths together, so little
/// padding is computed. Indices are shuffled, cut into pools of 50 batches, sorted
/// by length within a pool, batched, and the batches shuffled.
pub fn bucketed_batches(lengths: &[usize], batch_size: usize, rng: &mut Rng) -> Vec<Vec<usize>> {
    let batch_size = batch_size.max(1);
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    rng.shuffle(&mut order);
    let mut batches = Vec::new();
    for pool in order.chunks_mut(batch_size * 50) {
        pool.sort_by_key(|&i| lengths[i]);
        batches.extend(pool.chunks(batch_size).map(|c| c.to_vec()));
    }
    rng.shuffle(&mut batches);
    batches
}

/// Batches in length order without shuffling (inference).
pub fn sorted_batches(lengths: &[usize], batch_size: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(lengths[i]));
    order
        .chunks(batch_size.max(1))
        .map(|c| c.to_vec())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_every_index_once() {
        let lengths: Vec<usize> = (0..103).map(|i| (i * 37) % 90).collect();
        let mut rng = Rng::new(7);
        let batches = bucketed_batches(&lengths, 8, &mut rng);
        let mut all: Vec<usize> = batches.iter().flatten().copied().collect();
        all.sort();
        assert_eq!(all, (0..103).collect::<Vec<_>>());
        assert_eq!(bucketed_batches(&lengths, 8, &mut Rng::new(7)), batches);
    }
}
