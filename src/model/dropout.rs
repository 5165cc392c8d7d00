//! Dropout with masks from the seeded [`Rng`], so training repeats under `--seed`.
//! One fused op: the mask is drawn from its seed in the forward pass and drawn
//! again in the backward pass instead of being kept (one activation-sized
//! buffer less per dropout while the graph lives).

use std::cell::RefCell;

use candle_core::{CpuStorage, CustomOp1, Layout, Shape, Tensor};
use rayon::prelude::*;

use crate::cpu::storage::{f32_slice, with_f32};
use crate::cpu::vectorised;
use crate::error::Result;
use crate::rng::{uniform_at, Rng};

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

    /// Applies dropout when `rng` is given (training), else returns `x`. Draws
    /// one seed from `rng`; element i is kept per [`dropout_mask`]'s i-th value.
    pub fn forward(&self, x: &Tensor, rng: Option<&RefCell<Rng>>) -> Result<Tensor> {
        let Some(rng) = rng else { return Ok(x.clone()) };
        if self.p <= 0.0 {
            return Ok(x.clone());
        }
        let seed = rng.borrow_mut().next_u64();
        Ok(x.contiguous()?.apply_op1(DropoutOp { seed, p: self.p })?)
    }
}

/// Dropout multipliers into `out`: 0 with probability `p`, else `1 / (1 - p)`.
/// Element `i` uses [`uniform_at`]`(seed, i)`, the `i`-th `next_f32` of
/// `Rng::new(seed)`, so the loop vectorises and splits across threads.
pub fn dropout_mask(seed: u64, p: f32, out: &mut [f32]) {
    const CHUNK: usize = 1 << 15;
    let keep = 1.0 / (1.0 - p);
    let fill = |first: usize, out: &mut [f32]| {
        vectorised(
            #[inline(always)]
            || {
                for (i, o) in out.iter_mut().enumerate() {
                    let u = uniform_at(seed, (first + i) as u64);
                    *o = if u < p { 0.0 } else { keep };
                }
            },
        )
    };
    if out.len() <= CHUNK {
        return fill(0, out);
    }
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, o)| fill(c * CHUNK, o));
}

struct DropoutOp {
    seed: u64,
    p: f32,
}

impl DropoutOp {
    /// `x ⊙ mask`, the mask drawn from the seed.
    fn apply(&self, x: &[f32]) -> Vec<f32> {
        let mut out = vec![0f32; x.len()];
        dropout_mask(self.seed, self.p, &mut out);
        out.par_chunks_mut(1 << 15)
            .zip(x.par_chunks(1 << 15))
            .for_each(|(o, x)| {
                vectorised(
                    #[inline(always)]
                    || o.iter_mut().zip(x).for_each(|(o, x)| *o *= x),
                )
            });
        out
    }
}

impl CustomOp1 for DropoutOp {
    fn name(&self) -> &'static str {
        "dropout"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = f32_slice(s, l, self.name())?;
        Ok((CpuStorage::F32(self.apply(x)), l.shape().clone()))
    }

    fn bwd(&self, x: &Tensor, _res: &Tensor, grad: &Tensor) -> candle_core::Result<Option<Tensor>> {
        let g = with_f32(grad, |g| self.apply(g))?;
        Ok(Some(Tensor::from_vec(g, x.shape(), x.device())?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    #[test]
    fn dropout_mask_follows_the_sequential_stream() {
        for len in [5, 40_000, 100_000] {
            let mut fast = vec![0f32; len];
            dropout_mask(17, 0.25, &mut fast);
            let mut rng = Rng::new(17);
            let slow: Vec<f32> = (0..len)
                .map(|_| {
                    if rng.next_f32() < 0.25 {
                        0.0
                    } else {
                        1.0 / 0.75
                    }
                })
                .collect();
            assert_eq!(fast, slow);
        }
        let mut m = vec![0f32; 100_000];
        dropout_mask(3, 0.1, &mut m);
        let dropped = m.iter().filter(|&&v| v == 0.0).count();
        assert!((9_000..11_000).contains(&dropped), "{dropped} dropped");
    }

    #[test]
    fn output_and_gradient_use_the_same_seeded_mask() {
        let n = 70_000; // more than one parallel chunk
        let x = Var::from_vec(
            (0..n)
                .map(|i| 1.0 + i as f32 / n as f32)
                .collect::<Vec<_>>(),
            n,
            &Device::Cpu,
        )
        .unwrap();
        let d = Dropout::new(0.25);
        let rng = RefCell::new(Rng::new(3));
        let y = d.forward(x.as_tensor(), Some(&rng)).unwrap();
        let mut mask = vec![0f32; n];
        dropout_mask(Rng::new(3).next_u64(), 0.25, &mut mask);
        let (ys, xs) = (
            y.to_vec1::<f32>().unwrap(),
            x.as_tensor().to_vec1::<f32>().unwrap(),
        );
        for i in 0..n {
            assert_eq!(ys[i], xs[i] * mask[i]);
        }
        let dropped = mask.iter().filter(|&&m| m == 0.0).count() as f64 / n as f64;
        assert!((dropped - 0.25).abs() < 0.01, "dropped {dropped}");
        // d(sum(y ⊙ w))/dx = w ⊙ mask
        let w = Tensor::from_vec(
            (0..n).map(|i| (i % 7) as f32).collect::<Vec<_>>(),
            n,
            &Device::Cpu,
        )
        .unwrap();
        let g = (y * &w).unwrap().sum_all().unwrap().backward().unwrap();
        let gx = g.get(x.as_tensor()).unwrap().to_vec1::<f32>().unwrap();
        for i in 0..n {
            assert_eq!(gx[i], (i % 7) as f32 * mask[i]);
        }
        assert_eq!(
            d.forward(x.as_tensor(), None)
                .unwrap()
                .to_vec1::<f32>()
                .unwrap(),
            xs
        );
    }
}
