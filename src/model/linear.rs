//! A dense layer in the Hugging Face layout: `weight` is `[out, in]`.

use candle_core::Tensor;

use super::params::{Init, Params};
use crate::error::Result;

/// `y = x · weightᵀ + bias`.
pub struct Linear {
    weight: Tensor,
    bias: Tensor,
}

impl Linear {
    /// Loads `{prefix}.weight` `[out, in]` and `{prefix}.bias` `[out]`, or initialises them (normal, `std`).
    pub fn new(p: &mut Params, prefix: &str, inp: usize, out: usize, std: f32) -> Result<Self> {
        Ok(Linear {
            weight: p.get(&format!("{prefix}.weight"), &[out, inp], Init::Normal(std))?,
            bias: p.get(&format!("{prefix}.bias"), &[out], Init::Const(0.0))?,
        })
    }

    /// Applies the layer to `x` of shape `[..., in]`, giving `[..., out]`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let dims = x.dims().to_vec();
        let inp = dims[dims.len() - 1];
        let rows = x.elem_count() / inp;
        let y = x
            .reshape((rows, inp))?
            .matmul(&self.weight.t()?)?
            .broadcast_add(&self.bias)?;
        let mut out_dims = dims;
        let last = out_dims.len() - 1;
        out_dims[last] = self.weight.dim(0)?;
        Ok(y.reshape(out_dims)?)
    }
}
