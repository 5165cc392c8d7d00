//! Layer normalisation composed from differentiable ops (candle's fused
//! `ops::layer_norm` has no backward, which silently stops gradients).

use candle_core::{Tensor, D};

use super::params::{Init, Params};
use crate::error::Result;

/// `y = (x - mean) / sqrt(var + eps) * weight + bias` over the last dimension.
pub struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f64,
}

impl LayerNorm {
    /// Loads `{prefix}.weight` and `{prefix}.bias` of size `dim`.
    pub fn new(p: &mut Params, prefix: &str, dim: usize, eps: f64) -> Result<Self> {
        Ok(LayerNorm {
            weight: p.get(&format!("{prefix}.weight"), &[dim], Init::Const(1.0))?,
            bias: p.get(&format!("{prefix}.bias"), &[dim], Init::Const(0.0))?,
            eps,
        })
    }

    /// Normalises `x` of shape `[..., dim]`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mean = x.mean_keepdim(D::Minus1)?;
        let centred = x.broadcast_sub(&mean)?;
        let var = centred.sqr()?.mean_keepdim(D::Minus1)?;
        let normed = centred.broadcast_div(&(var + self.eps)?.sqrt()?)?;
        Ok(normed.broadcast_mul(&self.weight)?.broadcast_add(&self.bias)?)
    }
}
