//! Layer normalisation as one fused CPU op with its own backward (candle's
//! fused `ops::layer_norm` has no backward, which silently stops gradients).

use candle_core::{CpuStorage, CustomOp3, Layout, Shape, Tensor};
use rayon::prelude::*;

use super::params::{Init, Params};
use crate::cpu::storage::{f32_slice, with_f32};
use crate::cpu::vectorised;
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
        let x = x.contiguous()?;
        Ok(x.apply_op3(
            &self.weight,
            &self.bias,
            LayerNormOp {
                eps: self.eps as f32,
            },
        )?)
    }
}

/// The fused op: rows of the last dimension are normalised in parallel.
struct LayerNormOp {
    eps: f32,
}

/// Sum of `f(i)` over `0..n`, in 16 interleaved partial sums so that it vectorises.
#[inline(always)]
fn lane_sum(n: usize, f: impl Fn(usize) -> f32) -> f32 {
    const L: usize = 16;
    let mut acc = [0f32; L];
    let split = n - n % L;
    for c in (0..split).step_by(L) {
        for (i, a) in acc.iter_mut().enumerate() {
            *a += f(c + i);
        }
    }
    acc.iter().sum::<f32>() + (split..n).map(f).sum::<f32>()
}

/// Mean and reciprocal standard deviation of a row.
#[inline(always)]
fn moments(row: &[f32], eps: f32) -> (f32, f32) {
    let n = row.len() as f32;
    let mean = lane_sum(row.len(), |i| row[i]) / n;
    let var = lane_sum(row.len(), |i| (row[i] - mean) * (row[i] - mean)) / n;
    (mean, 1.0 / (var + eps).sqrt())
}

impl CustomOp3 for LayerNormOp {
    fn name(&self) -> &'static str {
        "layer-norm"
    }

    fn cpu_fwd(
        &self,
        xs: &CpuStorage,
        xl: &Layout,
        ws: &CpuStorage,
        wl: &Layout,
        bs: &CpuStorage,
        bl: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = f32_slice(xs, xl, self.name())?;
        let w = f32_slice(ws, wl, self.name())?;
        let b = f32_slice(bs, bl, self.name())?;
        let dim = w.len();
        let mut out = vec![0f32; x.len()];
        out.par_chunks_mut(dim)
            .zip(x.par_chunks(dim))
            .for_each(|(o, row)| {
                vectorised(
                    #[inline(always)]
                    || {
                        let (mean, rstd) = moments(row, self.eps);
                        for i in 0..dim {
                            o[i] = (row[i] - mean) * rstd * w[i] + b[i];
                        }
                    },
                )
            });
        Ok((CpuStorage::F32(out), xl.shape().clone()))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _b: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let dim = w.elem_count();
        let (gx, gw, gb) = with_f32(x, |x| {
            with_f32(w, |w| {
                with_f32(grad, |g| {
                    let mut gx = vec![0f32; x.len()];
                    // Per-row input gradients, with per-chunk partial sums for weight and bias.
                    let partial: Vec<(Vec<f32>, Vec<f32>)> = gx
                        .par_chunks_mut(dim * 64)
                        .zip(x.par_chunks(dim * 64).zip(g.par_chunks(dim * 64)))
                        .map(|(gxc, (xc, gc))| {
                            vectorised(
                                #[inline(always)]
                                || {
                                    let mut gw = vec![0f32; dim];
                                    let mut gb = vec![0f32; dim];
                                    for ((gxr, xr), gr) in
                                        gxc.chunks_mut(dim).zip(xc.chunks(dim)).zip(gc.chunks(dim))
                                    {
                                        let (mean, rstd) = moments(xr, self.eps);
                                        for i in 0..dim {
                                            gw[i] += gr[i] * (xr[i] - mean) * rstd;
                                            gb[i] += gr[i];
                                        }
                                        let sum_gw = lane_sum(dim, |i| gr[i] * w[i]);
                                        let sum_gwx =
                                            lane_sum(dim, |i| gr[i] * w[i] * (xr[i] - mean) * rstd);
                                        let n = dim as f32;
                                        for i in 0..dim {
                                            let xh = (xr[i] - mean) * rstd;
                                            gxr[i] = rstd / n
                                                * (n * gr[i] * w[i] - sum_gw - xh * sum_gwx);
                                        }
                                    }
                                    (gw, gb)
                                },
                            )
                        })
                        .collect();
                    let mut gw = vec![0f32; dim];
                    let mut gb = vec![0f32; dim];
                    for (pw, pb) in partial {
                        for i in 0..dim {
                            gw[i] += pw[i];
                            gb[i] += pb[i];
                        }
                    }
                    (gx, gw, gb)
                })
            })
        })???;
        let dev = x.device();
        Ok((
            Some(Tensor::from_vec(gx, x.shape(), dev)?),
            Some(Tensor::from_vec(gw, w.shape(), dev)?),
            Some(Tensor::from_vec(gb, w.shape(), dev)?),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::storage::max_abs_diff;
    use candle_core::{Device, Var, D};

    /// The same layer norm composed from differentiable candle ops.
    fn reference(x: &Tensor, w: &Tensor, b: &Tensor, eps: f64) -> Tensor {
        let mean = x.mean_keepdim(D::Minus1).unwrap();
        let c = x.broadcast_sub(&mean).unwrap();
        let var = c.sqr().unwrap().mean_keepdim(D::Minus1).unwrap();
        let n = c
            .broadcast_div(&(var + eps).unwrap().sqrt().unwrap())
            .unwrap();
        n.broadcast_mul(w).unwrap().broadcast_add(b).unwrap()
    }

    #[test]
    fn forward_and_gradients_match_the_composed_ops() {
        let dev = Device::Cpu;
        let x = Var::from_tensor(
            &(Tensor::randn(0f32, 2.0, (3, 70, 24), &dev).unwrap() + 0.5).unwrap(),
        )
        .unwrap();
        let w = Var::from_tensor(&Tensor::randn(1f32, 0.3, 24, &dev).unwrap()).unwrap();
        let b = Var::from_tensor(&Tensor::randn(0f32, 0.3, 24, &dev).unwrap()).unwrap();
        // A non-uniform upstream gradient, so every term of the backward matters.
        let up = Tensor::randn(0f32, 1.0, (3, 70, 24), &dev).unwrap();
        let ours = x
            .as_tensor()
            .apply_op3(w.as_tensor(), b.as_tensor(), LayerNormOp { eps: 1e-5 })
            .unwrap();
        let want = reference(x.as_tensor(), w.as_tensor(), b.as_tensor(), 1e-5);
        assert!(max_abs_diff(&ours, &want) < 1e-5);
        let g1 = (ours * &up).unwrap().sum_all().unwrap().backward().unwrap();
        let g2 = (want * &up).unwrap().sum_all().unwrap().backward().unwrap();
        for v in [&x, &w, &b] {
            let d = max_abs_diff(
                g1.get(v.as_tensor()).unwrap(),
                g2.get(v.as_tensor()).unwrap(),
            );
            assert!(d < 1e-4, "gradient differs by {d}");
        }
    }
}
