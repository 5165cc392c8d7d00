//! Exact (erf) GELU as one fused CPU op with its own backward. candle's
//! `gelu_erf` calls a slow scalar `erff`; this uses a rational approximation
//! of erf with absolute error below 1.5e-7 (Abramowitz & Stegun 7.1.26).

use candle_core::{CpuStorage, CustomOp1, Layout, Shape, Tensor};
use rayon::prelude::*;

use super::cpu::vectorised;
use super::exp::exp;
use super::storage::{f32_slice, with_f32};
use crate::error::Result;

/// GELU in place (the fused epilogue of a bf16 product; see [`gelu`]).
pub fn gelu_in_place(xs: &mut [f32]) {
    vectorised(
        #[inline(always)]
        || {
            for x in xs.iter_mut() {
                *x *= cdf(*x);
            }
        },
    )
}

/// `x * Φ(x) = 0.5 x (1 + erf(x / √2))`, elementwise.
pub fn gelu(x: &Tensor) -> Result<Tensor> {
    Ok(x.contiguous()?.apply_op1(Gelu)?)
}

struct Gelu;

const CHUNK: usize = 1 << 14;
const FRAC_1_SQRT_2PI: f32 = 0.398_942_3;

/// erf(x), |error| < 1.5e-7.
#[inline(always)]
fn erf(x: f32) -> f32 {
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let poly = t
        * (0.254_829_6
            + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152_1 + t * 1.061_405_4))));
    let y = 1.0 - poly * exp(-a * a);
    y.copysign(x)
}

#[inline(always)]
fn cdf(x: f32) -> f32 {
    0.5 * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

impl CustomOp1 for Gelu {
    fn name(&self) -> &'static str {
        "gelu-erf"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = f32_slice(s, l, self.name())?;
        let mut out = vec![0f32; x.len()];
        out.par_chunks_mut(CHUNK)
            .zip(x.par_chunks(CHUNK))
            .for_each(|(o, x)| {
                vectorised(
                    #[inline(always)]
                    || {
                        for (o, &x) in o.iter_mut().zip(x) {
                            *o = x * cdf(x);
                        }
                    },
                )
            });
        Ok((CpuStorage::F32(out), l.shape().clone()))
    }

    fn bwd(&self, x: &Tensor, _res: &Tensor, grad: &Tensor) -> candle_core::Result<Option<Tensor>> {
        let gx = with_f32(x, |x| {
            with_f32(grad, |g| {
                let mut gx = vec![0f32; x.len()];
                gx.par_chunks_mut(CHUNK)
                    .zip(x.par_chunks(CHUNK).zip(g.par_chunks(CHUNK)))
                    .for_each(|(o, (x, g))| {
                        vectorised(
                            #[inline(always)]
                            || {
                                for i in 0..o.len() {
                                    let pdf = FRAC_1_SQRT_2PI * exp(-0.5 * x[i] * x[i]);
                                    o[i] = g[i] * (cdf(x[i]) + x[i] * pdf);
                                }
                            },
                        )
                    });
                gx
            })
        })??;
        Ok(Some(Tensor::from_vec(gx, x.shape(), x.device())?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::storage::max_abs_diff;
    use candle_core::{Device, Var};

    #[test]
    fn matches_candle_gelu_erf_and_its_gradient() {
        let data: Vec<f32> = (-400..400).map(|i| i as f32 / 50.0).collect();
        let x = Var::from_vec(data, 800, &Device::Cpu).unwrap();
        let ours = gelu(x.as_tensor()).unwrap();
        let want = x.as_tensor().gelu_erf().unwrap();
        let d = max_abs_diff(&ours, &want);
        assert!(d < 1e-6, "forward differs by {d}");
        let g1 = ours.sum_all().unwrap().backward().unwrap();
        let g2 = want.sum_all().unwrap().backward().unwrap();
        let (a, b) = (
            g1.get(x.as_tensor()).unwrap(),
            g2.get(x.as_tensor()).unwrap(),
        );
        let d = max_abs_diff(a, b);
        assert!(d < 1e-5, "gradient differs by {d}");
    }
}
