//! A dense layer in the Hugging Face layout: `weight` is `[out, in]`.

use std::sync::OnceLock;

use candle_core::{CpuStorage, CustomOp1, Layout, Shape, Tensor};

use super::bf16::{self, PackedA, PackedB};
use super::params::{Init, Params};
use super::storage::{f32_slice, with_f32};
use crate::error::Result;

/// `y = x · weightᵀ + bias`.
pub struct Linear {
    weight: Tensor,
    bias: Tensor,
    /// The weight rounded to bf16 and packed, built on first bf16 use. Only
    /// inference uses it, and inference never changes the weights.
    packed: OnceLock<(PackedB, Vec<f32>)>,
}

impl Linear {
    /// Loads `{prefix}.weight` `[out, in]` and `{prefix}.bias` `[out]`, or initialises them (normal, `std`).
    pub fn new(p: &mut Params, prefix: &str, inp: usize, out: usize, std: f32) -> Result<Self> {
        Ok(Self::from_parts(
            p.get(&format!("{prefix}.weight"), &[out, inp], Init::Normal(std))?,
            p.get(&format!("{prefix}.bias"), &[out], Init::Const(0.0))?,
        ))
    }

    fn from_parts(weight: Tensor, bias: Tensor) -> Self {
        Linear {
            weight,
            bias,
            packed: OnceLock::new(),
        }
    }

    /// One layer whose outputs are those of `parts` side by side (for example
    /// query, key and value as one `[3·h, h]` product). Gradients flow back to
    /// each part's weights.
    pub fn concat(parts: &[&Linear]) -> Result<Self> {
        let w: Vec<&Tensor> = parts.iter().map(|l| &l.weight).collect();
        let b: Vec<&Tensor> = parts.iter().map(|l| &l.bias).collect();
        Ok(Self::from_parts(Tensor::cat(&w, 0)?, Tensor::cat(&b, 0)?))
    }

    /// The same layer cut from the gradient graph.
    pub fn detach(&self) -> Self {
        Self::from_parts(self.weight.detach(), self.bias.detach())
    }

    /// Applies the layer to `x` of shape `[..., in]`, giving `[..., out]`, in f32.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (rows, inp, out_dims) = self.shapes(x)?;
        let y = x
            .reshape((rows, inp))?
            .matmul(&self.weight.t()?)?
            .broadcast_add(&self.bias)?;
        Ok(y.reshape(out_dims)?)
    }

    /// Like [`Linear::forward`] but with bf16 products (f32 sums and bias) and no
    /// gradient: for inference on CPUs where [`bf16::available`].
    pub fn forward_bf16(&self, x: &Tensor) -> Result<Tensor> {
        let (rows, inp, out_dims) = self.shapes(x)?;
        if self.packed.get().is_none() {
            let (out, inp) = self.weight.dims2()?;
            let packed = with_f32(&self.weight, |w| PackedB::pack_transposed(w, out, inp))?;
            let bias = with_f32(&self.bias, |b| b.to_vec())?;
            let _ = self.packed.set((packed, bias));
        }
        let (packed, bias) = self.packed.get().expect("set above");
        let y = x
            .reshape((rows, inp))?
            .contiguous()?
            .apply_op1_no_bwd(&Bf16Product { packed, bias })?;
        Ok(y.reshape(out_dims)?)
    }

    /// (rows, in, output dims) for input `x`.
    fn shapes(&self, x: &Tensor) -> Result<(usize, usize, Vec<usize>)> {
        let mut dims = x.dims().to_vec();
        let last = dims.len() - 1;
        let inp = dims[last];
        dims[last] = self.weight.dim(0)?;
        Ok((x.elem_count() / inp.max(1), inp, dims))
    }
}

struct Bf16Product<'a> {
    packed: &'a PackedB,
    bias: &'a [f32],
}

impl CustomOp1 for Bf16Product<'_> {
    fn name(&self) -> &'static str {
        "linear-bf16"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = f32_slice(s, l, self.name())?;
        let (rows, inp) = l.shape().dims2()?;
        if inp != self.packed.k() {
            candle_core::bail!(
                "linear-bf16: input has {inp} features, weight {}",
                self.packed.k()
            )
        }
        let n = self.packed.n();
        let mut y = vec![0f32; rows * n];
        let a = PackedA::pack(x, rows, inp, inp, 1);
        bf16::matmul(&a, self.packed, &mut y, bf16::Init::Bias(self.bias));
        Ok((CpuStorage::F32(y), Shape::from((rows, n))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::storage::max_abs_diff;
    use candle_core::Device;

    #[test]
    fn bf16_forward_is_close_to_f32() {
        if !bf16::available() {
            return;
        }
        let dev = Device::Cpu;
        let l = Linear::from_parts(
            Tensor::randn(0f32, 0.1, (37, 50), &dev).unwrap(),
            Tensor::randn(0f32, 1.0, 37, &dev).unwrap(),
        );
        let x = Tensor::randn(0f32, 1.0, (2, 9, 50), &dev).unwrap();
        let d = max_abs_diff(&l.forward(&x).unwrap(), &l.forward_bf16(&x).unwrap());
        // Inputs are rounded to 8 significant bits: about 0.4 % of |x||w|√50 ≈ 0.03.
        assert!(d < 0.03, "bf16 differs by {d}");
        assert!(d > 0.0, "bf16 path was not taken");
    }
}
