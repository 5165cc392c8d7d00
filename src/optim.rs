//! AdamW as one fused in-place pass per parameter, with decoupled weight decay
//! applied only where asked (not to biases and layer-norm weights), and global
//! gradient-norm clipping. candle-nn's AdamW allocates about a dozen full-size
//! temporaries per parameter per step; this allocates none.

use std::sync::Mutex;

use candle_core::backprop::GradStore;
use candle_core::{CpuStorage, InplaceOp2, Layout, Var};
use rayon::prelude::*;

use crate::cpu::storage::with_f32;
use crate::error::Result;

/// AdamW hyperparameters.
#[derive(Debug, Clone, Copy)]
pub struct AdamWConfig {
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        AdamWConfig {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.01,
        }
    }
}

struct Slot {
    var: Var,
    decay: bool,
    m: Vec<f32>,
    v: Vec<f32>,
}

/// The optimizer: first and second moments per parameter.
pub struct AdamW {
    slots: Vec<Slot>,
    cfg: AdamWConfig,
    t: i32,
}

impl AdamW {
    /// One slot per `(var, decay)`; `decay` says whether weight decay applies.
    pub fn new(vars: impl IntoIterator<Item = (Var, bool)>, cfg: AdamWConfig) -> Self {
        let slots = vars
            .into_iter()
            .map(|(var, decay)| {
                let n = var.elem_count();
                Slot {
                    var,
                    decay,
                    m: vec![0.0; n],
                    v: vec![0.0; n],
                }
            })
            .collect();
        AdamW { slots, cfg, t: 0 }
    }

    /// Steps taken so far (AdamW's `t`, which sets the bias corrections).
    pub fn steps(&self) -> i32 {
        self.t
    }

    /// The first and second moments of each parameter, in the order given to
    /// [`AdamW::new`] (each as long as its parameter's element count).
    pub fn moments(&self) -> impl Iterator<Item = (&[f32], &[f32])> {
        self.slots.iter().map(|s| (s.m.as_slice(), s.v.as_slice()))
    }

    /// Restores a state saved from [`AdamW::steps`] and [`AdamW::moments`]:
    /// one `(m, v)` per parameter, in order, each of its element count.
    pub fn restore(&mut self, steps: i32, moments: Vec<(Vec<f32>, Vec<f32>)>) -> Result<()> {
        if moments.len() != self.slots.len() {
            return Err(crate::error::Error::Weights(format!(
                "optimizer state for {} parameters, the model has {}",
                moments.len(),
                self.slots.len()
            )));
        }
        for (i, (s, (m, v))) in self.slots.iter_mut().zip(moments).enumerate() {
            if m.len() != s.m.len() || v.len() != s.v.len() {
                return Err(crate::error::Error::Weights(format!(
                    "optimizer state of parameter {i}: {} values, the parameter has {}",
                    m.len(),
                    s.m.len()
                )));
            }
            (s.m, s.v) = (m, v);
        }
        self.t = steps;
        Ok(())
    }

    /// Global L2 norm of the gradients of this optimizer's parameters.
    pub fn grad_norm(&self, grads: &GradStore) -> Result<f64> {
        let mut total = 0f64;
        for s in &self.slots {
            if let Some(g) = grads.get(s.var.as_tensor()) {
                // Fixed chunks summed in order: rayon's adaptive splitting would make
                // the float sum, and so the clipping, vary from run to run.
                let parts: Vec<f64> = with_f32(g, |g| {
                    g.par_chunks(1 << 14)
                        .map(|c| c.iter().map(|&x| x as f64 * x as f64).sum::<f64>())
                        .collect()
                })?;
                total += parts.iter().sum::<f64>();
            }
        }
        Ok(total.sqrt())
    }

    /// One step at learning rate `lr`, with every gradient multiplied by `grad_scale`
    /// (for clipping). Parameters without a gradient are left alone.
    pub fn step(&mut self, grads: &GradStore, lr: f64, grad_scale: f64) -> Result<()> {
        self.t += 1;
        let c = self.cfg;
        let bc1 = 1.0 - c.beta1.powi(self.t);
        let bc2 = 1.0 - c.beta2.powi(self.t);
        for s in &mut self.slots {
            let Some(g) = grads.get(s.var.as_tensor()) else {
                continue;
            };
            let g = g.contiguous()?;
            let op = Update {
                moments: Mutex::new((&mut s.m, &mut s.v)),
                lr: lr as f32,
                b1: c.beta1 as f32,
                b2: c.beta2 as f32,
                eps: c.eps as f32,
                decay: if s.decay {
                    (lr * c.weight_decay) as f32
                } else {
                    0.0
                },
                bc1: bc1 as f32,
                bc2: bc2 as f32,
                scale: grad_scale as f32,
            };
            s.var.as_tensor().inplace_op2(&g, &op)?;
        }
        Ok(())
    }
}

struct Update<'a> {
    moments: Mutex<(&'a mut Vec<f32>, &'a mut Vec<f32>)>,
    lr: f32,
    b1: f32,
    b2: f32,
    eps: f32,
    decay: f32,
    bc1: f32,
    bc2: f32,
    scale: f32,
}

impl InplaceOp2 for Update<'_> {
    fn name(&self) -> &'static str {
        "adamw"
    }

    fn cpu_fwd(
        &self,
        dst: &mut CpuStorage,
        dst_l: &Layout,
        gs: &CpuStorage,
        gl: &Layout,
    ) -> candle_core::Result<()> {
        let CpuStorage::F32(theta) = dst else {
            candle_core::bail!("adamw: f32 parameters only")
        };
        let Some((a, b)) = dst_l.contiguous_offsets() else {
            candle_core::bail!("adamw: contiguous parameters only")
        };
        let theta = &mut theta[a..b];
        let g = crate::cpu::storage::f32_slice(gs, gl, "adamw")?;
        let mut guard = self
            .moments
            .lock()
            .map_err(|_| candle_core::Error::Msg("adamw: poisoned".into()))?;
        let (m, v) = &mut *guard;
        const CHUNK: usize = 1 << 14;
        theta
            .par_chunks_mut(CHUNK)
            .zip(m.par_chunks_mut(CHUNK))
            .zip(v.par_chunks_mut(CHUNK))
            .zip(g.par_chunks(CHUNK))
            .for_each(|(((t, m), v), g)| {
                crate::cpu::vectorised(
                    #[inline(always)]
                    || {
                        for i in 0..t.len() {
                            let gi = g[i] * self.scale;
                            m[i] = self.b1 * m[i] + (1.0 - self.b1) * gi;
                            v[i] = self.b2 * v[i] + (1.0 - self.b2) * gi * gi;
                            let mh = m[i] / self.bc1;
                            let vh = v[i] / self.bc2;
                            t[i] -= self.decay * t[i] + self.lr * mh / (vh.sqrt() + self.eps);
                        }
                    },
                )
            });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};

    /// Two steps against `torch.optim.AdamW` (PyTorch 2.15; lr 1e-3 then 5e-4,
    /// betas (0.9, 0.999), eps 1e-8, weight decay 0.01 on `p` and 0 on `q`;
    /// gradients `cp · step` and `cq`), values printed by PyTorch and pasted here.
    #[test]
    #[allow(clippy::excessive_precision)] // PyTorch's printout, pasted as is
    fn two_steps_match_pytorch() {
        let dev = Device::Cpu;
        let p = Var::from_vec(vec![0.5f32, -1.0, 2.0], 3, &dev).unwrap();
        let q = Var::from_vec(vec![0.25f32, -0.75], 2, &dev).unwrap();
        let mut opt = AdamW::new(
            [(p.clone(), true), (q.clone(), false)],
            AdamWConfig::default(),
        );
        let cp = Tensor::new(&[0.1f32, -0.2, 0.3], &dev).unwrap();
        let cq = Tensor::new(&[-0.5f32, 0.05], &dev).unwrap();
        let want = [
            (
                [4.989950061e-01f32, -9.989899993e-01, 1.998979926e+00],
                [2.509999871e-01f32, -7.509999871e-01],
            ),
            (
                [4.985099137e-01, -9.985023737e-01, 1.998487353e+00],
                [2.514999807e-01, -7.515000105e-01],
            ),
        ];
        for (step, (lr, (wp, wq))) in [1e-3, 5e-4].into_iter().zip(want).enumerate() {
            let loss = ((p.as_tensor() * (&cp * (step + 1) as f64).unwrap())
                .unwrap()
                .sum_all()
                .unwrap()
                + (q.as_tensor() * &cq).unwrap().sum_all().unwrap())
            .unwrap();
            opt.step(&loss.backward().unwrap(), lr, 1.0).unwrap();
            for (got, want) in [
                (p.to_vec1::<f32>().unwrap(), wp.to_vec()),
                (q.to_vec1::<f32>().unwrap(), wq.to_vec()),
            ] {
                for (g, w) in got.iter().zip(&want) {
                    assert!(
                        (g - w).abs() < 2e-7,
                        "step {}: {got:?} vs {want:?}",
                        step + 1
                    );
                }
            }
        }
    }
}
