//! Dropout with masks from the seeded [`Rng`], so training repeats under `--seed`.

use std::cell::RefCell;

use candle_core::Tensor;

use crate::error::Result;
use crate::rng::{dropout_mask, Rng};

/// Zeroes each element with probability `p` and scales the rest by `1 / (1 - p)`; identity when not training.
pub struct Dropout {
    p: f32,
}

impl Dropout {
    /// Dropout with probability `p` in `[0, 1)`.
    pub fn new(p: f32) -> Self {
        Dropout { p }
    }

    /// The drop probability.
    pub fn p(&self) -> f32 {
        self.p
    }

    /// Applies dropout when `rng` is given (training), else returns `x`.
    pub fn forward(&self, x: &Tensor, rng: Option<&RefCell<Rng>>) -> Result<Tensor> {
        let Some(rng) = rng else { return Ok(x.clone()) };
        if self.p <= 0.0 {
            return Ok(x.clone());
        }
        let mut mask = vec![0f32; x.elem_count()];
        dropout_mask(rng.borrow_mut().next_u64(), self.p, &mut mask);
        let mask = Tensor::from_vec(mask, x.shape(), x.device())?;
        Ok(x.mul(&mask)?)
    }
}
