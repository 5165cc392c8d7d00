//! Masked softmax over attention scores as one fused CPU op with its own backward.

use candle_core::{CpuStorage, CustomOp2, Layout, Shape, Tensor};
use rayon::prelude::*;

use super::storage::{f32_slice, with_f32};
use crate::error::Result;

/// `softmax(scores + mask_bias)` over the last dimension, where `scores` is
/// `[batch, heads, q, k]` and `mask` is `[batch, k]` with 1.0 on real tokens and
/// 0.0 on padding (padding keys get probability 0).
pub fn masked_softmax(scores: &Tensor, mask: &Tensor) -> Result<Tensor> {
    Ok(scores
        .contiguous()?
        .apply_op2(&mask.contiguous()?, MaskedSoftmax)?)
}

struct MaskedSoftmax;

impl CustomOp2 for MaskedSoftmax {
    fn name(&self) -> &'static str {
        "masked-softmax"
    }

    fn cpu_fwd(
        &self,
        ss: &CpuStorage,
        sl: &Layout,
        ms: &CpuStorage,
        ml: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let s = f32_slice(ss, sl, self.name())?;
        let m = f32_slice(ms, ml, self.name())?;
        let dims = sl.dims();
        let k = dims[dims.len() - 1];
        let rows_per_batch = s.len() / (m.len() / k) / k;
        let mut out = vec![0f32; s.len()];
        out.par_chunks_mut(k)
            .zip(s.par_chunks(k))
            .enumerate()
            .for_each(|(r, (o, row))| {
                let mask = &m[(r / rows_per_batch) * k..][..k];
                let mut max = f32::NEG_INFINITY;
                for i in 0..k {
                    if mask[i] > 0.0 && row[i] > max {
                        max = row[i];
                    }
                }
                let mut sum = 0f32;
                for i in 0..k {
                    o[i] = if mask[i] > 0.0 {
                        (row[i] - max).exp()
                    } else {
                        0.0
                    };
                    sum += o[i];
                }
                let inv = if sum > 0.0 { 1.0 / sum } else { 0.0 };
                o.iter_mut().for_each(|v| *v *= inv);
            });
        Ok((CpuStorage::F32(out), sl.shape().clone()))
    }

    fn bwd(
        &self,
        s: &Tensor,
        _m: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let k = s.dim(candle_core::D::Minus1)?;
        let gx = with_f32(res, |y| {
            with_f32(grad, |g| {
                let mut gx = vec![0f32; y.len()];
                gx.par_chunks_mut(k)
                    .zip(y.par_chunks(k).zip(g.par_chunks(k)))
                    .for_each(|(o, (yr, gr))| {
                        let dot: f32 = yr.iter().zip(gr).map(|(a, b)| a * b).sum();
                        for i in 0..k {
                            o[i] = yr[i] * (gr[i] - dot);
                        }
                    });
                gx
            })
        })??;
        Ok((Some(Tensor::from_vec(gx, s.shape(), s.device())?), None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::storage::max_abs_diff;
    use candle_core::{Device, Var, D};

    #[test]
    fn matches_softmax_with_an_additive_mask_and_its_gradient() {
        let dev = Device::Cpu;
        let s = Var::from_tensor(&Tensor::randn(0f32, 3.0, (2, 3, 5, 6), &dev).unwrap()).unwrap();
        let mask = Tensor::new(
            &[[1f32, 1., 1., 1., 0., 0.], [1., 1., 1., 1., 1., 1.]],
            &dev,
        )
        .unwrap();
        let bias = ((mask.clone() - 1.0).unwrap() * 1e9)
            .unwrap()
            .reshape((2, 1, 1, 6))
            .unwrap();
        let up = Tensor::randn(0f32, 1.0, (2, 3, 5, 6), &dev).unwrap();
        let ours = masked_softmax(s.as_tensor(), &mask).unwrap();
        let want = candle_nn::ops::softmax(&s.as_tensor().broadcast_add(&bias).unwrap(), D::Minus1)
            .unwrap();
        let d = max_abs_diff(&ours, &want);
        assert!(d < 1e-6, "forward differs by {d}");
        let g1 = (ours * &up).unwrap().sum_all().unwrap().backward().unwrap();
        let g2 = (want * &up).unwrap().sum_all().unwrap().backward().unwrap();
        let (a, b) = (
            g1.get(s.as_tensor()).unwrap(),
            g2.get(s.as_tensor()).unwrap(),
        );
        let d = max_abs_diff(a, b);
        assert!(d < 1e-5, "gradient differs by {d}");
    }
}
