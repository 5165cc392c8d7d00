//! Masked cross-entropy: the one loss, written once.

use candle_core::{DType, Tensor, D};

use crate::encoding::IGNORE;
use crate::error::Result;

/// Mean cross-entropy of `logits` `[batch, seq, tags]` against `targets`
/// `[batch, seq]` (`i64`), skipping positions whose target is [`IGNORE`]
/// (later sub-tokens, special tokens and padding). Returns a scalar; zero when
/// every position is ignored.
pub fn masked_cross_entropy(logits: &Tensor, targets: &Tensor) -> Result<Tensor> {
    let (b, t, c) = logits.dims3()?;
    let logp = candle_nn::ops::log_softmax(&logits.reshape((b * t, c))?, D::Minus1)?;
    let targets = targets.flatten_all()?;
    let keep = targets.ne(IGNORE)?;
    let safe = keep
        .where_cond(&targets, &targets.zeros_like()?)?
        .to_dtype(DType::U32)?;
    let picked = logp.gather(&safe.unsqueeze(1)?, 1)?.squeeze(1)?;
    let keep = keep.to_dtype(DType::F32)?;
    let count = keep.sum_all()?.to_scalar::<f32>()?.max(1.0);
    Ok((picked.mul(&keep)?.sum_all()?.neg()? / count as f64)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn ignores_masked_positions() {
        let logits =
            Tensor::new(&[[[2.0f32, 0.0], [0.0, 5.0], [9.0, -9.0]]], &Device::Cpu).unwrap();
        let targets = Tensor::new(&[[0i64, IGNORE, 1]], &Device::Cpu).unwrap();
        let loss = masked_cross_entropy(&logits, &targets)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        let l0 = -(2f32.exp() / (2f32.exp() + 1.0)).ln();
        let l2 = -((-9f32).exp() / ((-9f32).exp() + 9f32.exp())).ln();
        assert!((loss - (l0 + l2) / 2.0).abs() < 1e-4, "{loss}");
    }
}
