//! Multi-head self-attention as one fused CPU op with its own backward.
//!
//! The op reads queries, keys and values straight out of one `[batch, seq, 3·hidden]`
//! projection and writes the context in `[batch, seq, hidden]`, so no head is ever
//! transposed or copied. Each (sequence, head) pair is one task: scores, masked
//! softmax, dropout and the context product stay in a `seq × seq` scratch buffer.
//! The backward pass recomputes the probabilities (and regenerates the dropout
//! mask from its seed) instead of keeping them, which saves `batch·heads·seq²`
//! floats per layer.

use candle_core::{CpuStorage, CustomOp1, Layout, Shape, Tensor};
use gemm::{gemm, Parallelism};
use rayon::prelude::*;

use super::dropout::dropout_mask;
use super::exp::exp;
use crate::cpu::storage::{f32_slice, with_f32, SendPtr};
use crate::cpu::vectorised;
use crate::error::Result;
use crate::rng::derive;

/// Self-attention of `qkv` (`[batch, seq, 3·hidden]`: queries, keys, values,
/// each `heads` blocks of `hidden / heads`). `mask` is `[batch, seq]`, 1.0 on real
/// tokens and 0.0 on padding (padding keys get probability 0). `dropout` is
/// `(p, seed)` on the attention probabilities in training. Returns `[batch, seq, hidden]`.
pub fn self_attention(
    qkv: &Tensor,
    mask: &Tensor,
    heads: usize,
    dropout: Option<(f32, u64)>,
) -> Result<Tensor> {
    let (b, t, h3) = qkv.dims3()?;
    let mask = with_f32(mask, |m| m.to_vec())?;
    if mask.len() != b * t || h3 % 3 != 0 || (h3 / 3) % heads != 0 {
        return Err(candle_core::Error::Msg(format!(
            "attention: qkv {:?} and mask of {} values do not fit {heads} heads",
            qkv.dims(),
            mask.len()
        ))
        .into());
    }
    let op = Attention {
        b,
        t,
        h: h3 / 3,
        heads,
        mask,
        dropout: dropout.filter(|(p, _)| *p > 0.0),
    };
    Ok(qkv.contiguous()?.apply_op1(op)?)
}

struct Attention {
    b: usize,
    t: usize,
    h: usize,
    heads: usize,
    mask: Vec<f32>,
    dropout: Option<(f32, u64)>,
}

/// `dst (m×n) = beta · lhs (m×k) · rhs (k×n)`, overwriting, single-threaded
/// (the tasks run in parallel). Strides are (row, column) in elements.
#[allow(clippy::too_many_arguments)]
unsafe fn mm(
    m: usize,
    n: usize,
    k: usize,
    dst: *mut f32,
    d_rs: usize,
    lhs: *const f32,
    (l_rs, l_cs): (usize, usize),
    rhs: *const f32,
    (r_rs, r_cs): (usize, usize),
    beta: f32,
) {
    gemm(
        m,
        n,
        k,
        dst,
        1,
        d_rs as isize,
        false,
        lhs,
        l_cs as isize,
        l_rs as isize,
        rhs,
        r_cs as isize,
        r_rs as isize,
        0.0,
        beta,
        false,
        false,
        false,
        Parallelism::None,
    )
}

impl Attention {
    fn hd(&self) -> usize {
        self.h / self.heads
    }

    /// Probabilities of sequence `bi`, head `hi` into `p` (`t × t`): softmax of the
    /// scaled scores over real keys. Returns the dropout multipliers if training.
    fn probs(&self, qkv: &[f32], bi: usize, hi: usize, p: &mut [f32]) -> Option<Vec<f32>> {
        let (t, h, hd) = (self.t, self.h, self.hd());
        let base = bi * t * 3 * h + hi * hd;
        let scale = 1.0 / (hd as f32).sqrt();
        // SAFETY: q and k rows lie inside this sequence's block of qkv; p is t×t.
        unsafe {
            mm(
                t,
                t,
                hd,
                p.as_mut_ptr(),
                t,
                qkv.as_ptr().add(base),
                (3 * h, 1),
                qkv.as_ptr().add(base + h),
                (1, 3 * h),
                scale,
            )
        };
        let mask = &self.mask[bi * t..][..t];
        vectorised(
            #[inline(always)]
            || softmax_rows(p, mask),
        );
        self.dropout.map(|(rate, seed)| {
            let mut keep = vec![0f32; t * t];
            let task = (bi * self.heads + hi) as u64;
            dropout_mask(derive(seed, task), rate, &mut keep);
            keep
        })
    }
}

/// Lanes of the partial sums below: one AVX-512 register, so the loops
/// vectorise without reassociating floats (no fast-math in Rust).
const L: usize = 16;

/// The keys of a sequence up to its last real one (`mask` > 0): padding follows
/// them, and leaving it out of every sum makes a sequence's result independent
/// of how much padding its batch gave it (int8 would amplify the difference).
fn real_len(mask: &[f32]) -> usize {
    mask.iter().rposition(|&m| m > 0.0).map_or(0, |i| i + 1)
}

/// Softmax of each row of `p` (rows of `mask.len()`) over the keys where `mask` > 0;
/// keys after the last real one are 0, and the sums do not depend on their number.
#[inline(always)]
fn softmax_rows(p: &mut [f32], mask: &[f32]) {
    let t = mask.len();
    let n = real_len(mask);
    let mask = &mask[..n];
    let split = n - n % L;
    for row in p.chunks_mut(t) {
        row[n..].iter_mut().for_each(|v| *v = 0.0);
        let row = &mut row[..n];
        let mut mx = [f32::NEG_INFINITY; L];
        for (c, m) in row[..split].chunks_exact(L).zip(mask.chunks_exact(L)) {
            for i in 0..L {
                mx[i] = mx[i].max(if m[i] > 0.0 { c[i] } else { f32::NEG_INFINITY });
            }
        }
        let mut max = mx.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        for (&c, &m) in row[split..].iter().zip(&mask[split..]) {
            if m > 0.0 {
                max = max.max(c);
            }
        }
        let mut sm = [0f32; L];
        for (c, m) in row[..split].chunks_exact_mut(L).zip(mask.chunks_exact(L)) {
            for i in 0..L {
                c[i] = if m[i] > 0.0 { exp(c[i] - max) } else { 0.0 };
                sm[i] += c[i];
            }
        }
        let mut sum: f32 = sm.iter().sum();
        for (c, &m) in row[split..].iter_mut().zip(&mask[split..]) {
            *c = if m > 0.0 { exp(*c - max) } else { 0.0 };
            sum += *c;
        }
        let inv = if sum > 0.0 { 1.0 / sum } else { 0.0 };
        row.iter_mut().for_each(|v| *v *= inv);
    }
}

/// `dS = P ∘ (dP − rowsum(dP ∘ P)) · scale`, in place over `dp` (rows of `t`).
#[inline(always)]
fn softmax_backward_rows(dp: &mut [f32], p: &[f32], t: usize, scale: f32) {
    let split = t - t % L;
    for (dr, pr) in dp.chunks_mut(t).zip(p.chunks(t)) {
        let mut acc = [0f32; L];
        for (d, q) in dr[..split].chunks_exact(L).zip(pr.chunks_exact(L)) {
            for i in 0..L {
                acc[i] += d[i] * q[i];
            }
        }
        let dot = acc.iter().sum::<f32>()
            + dr[split..]
                .iter()
                .zip(&pr[split..])
                .map(|(d, q)| d * q)
                .sum::<f32>();
        dr.iter_mut()
            .zip(pr)
            .for_each(|(d, q)| *d = q * (*d - dot) * scale);
    }
}

impl CustomOp1 for Attention {
    fn name(&self) -> &'static str {
        "self-attention"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let qkv = f32_slice(s, l, self.name())?;
        let (b, t, h, hd) = (self.b, self.t, self.h, self.hd());
        let mut ctx = vec![0f32; b * t * h];
        let out = SendPtr(ctx.as_mut_ptr());
        (0..b * self.heads).into_par_iter().for_each(|task| {
            let (bi, hi) = (task / self.heads, task % self.heads);
            let mut p = vec![0f32; t * t];
            if let Some(keep) = self.probs(qkv, bi, hi, &mut p) {
                p.iter_mut().zip(&keep).for_each(|(p, k)| *p *= k);
            }
            let out = &out;
            // Padding keys have probability 0: summing over real keys only keeps
            // the result independent of the batch's padding.
            let n = real_len(&self.mask[bi * t..][..t]);
            // SAFETY: each task writes only its head's columns of its sequence;
            // p's rows are t long, of which the first n are read.
            unsafe {
                mm(
                    t,
                    hd,
                    n,
                    out.0.add(bi * t * h + hi * hd),
                    h,
                    p.as_ptr(),
                    (t, 1),
                    qkv.as_ptr().add(bi * t * 3 * h + 2 * h + hi * hd),
                    (3 * h, 1),
                    1.0,
                )
            };
        });
        Ok((CpuStorage::F32(ctx), Shape::from((b, t, h))))
    }

    fn bwd(
        &self,
        qkv: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<Option<Tensor>> {
        let (b, t, h, hd) = (self.b, self.t, self.h, self.hd());
        let scale = 1.0 / (hd as f32).sqrt();
        let dqkv = with_f32(qkv, |qkv| {
            with_f32(grad, |g| {
                let mut dqkv = vec![0f32; b * t * 3 * h];
                let out = SendPtr(dqkv.as_mut_ptr());
                (0..b * self.heads).into_par_iter().for_each(|task| {
                    let (bi, hi) = (task / self.heads, task % self.heads);
                    let out = &out;
                    let mut p = vec![0f32; t * t];
                    let keep = self.probs(qkv, bi, hi, &mut p);
                    let base = bi * t * 3 * h + hi * hd;
                    let (q, k, v) = (
                        qkv[base..].as_ptr(),
                        qkv[base + h..].as_ptr(),
                        qkv[base + 2 * h..].as_ptr(),
                    );
                    let dctx = g[bi * t * h + hi * hd..].as_ptr();
                    let mut dp = vec![0f32; t * t];
                    // SAFETY: each task writes only its head's q/k/v columns of dqkv.
                    unsafe {
                        let pd: Vec<f32>;
                        let used = match &keep {
                            Some(keep) => {
                                pd = p.iter().zip(keep).map(|(p, k)| p * k).collect();
                                &pd
                            }
                            None => &p,
                        };
                        // dV = P_dropᵀ · dctx
                        mm(
                            t,
                            hd,
                            t,
                            out.0.add(base + 2 * h),
                            3 * h,
                            used.as_ptr(),
                            (1, t),
                            dctx,
                            (h, 1),
                            1.0,
                        );
                        // dP_drop = dctx · Vᵀ
                        mm(
                            t,
                            t,
                            hd,
                            dp.as_mut_ptr(),
                            t,
                            dctx,
                            (h, 1),
                            v,
                            (1, 3 * h),
                            1.0,
                        );
                    }
                    vectorised(
                        #[inline(always)]
                        || {
                            if let Some(keep) = &keep {
                                dp.iter_mut().zip(keep).for_each(|(d, k)| *d *= k);
                            }
                            softmax_backward_rows(&mut dp, &p, t, scale);
                        },
                    );
                    unsafe {
                        // dQ = dS · K, dK = dSᵀ · Q
                        mm(
                            t,
                            hd,
                            t,
                            out.0.add(base),
                            3 * h,
                            dp.as_ptr(),
                            (t, 1),
                            k,
                            (3 * h, 1),
                            1.0,
                        );
                        mm(
                            t,
                            hd,
                            t,
                            out.0.add(base + h),
                            3 * h,
                            dp.as_ptr(),
                            (1, t),
                            q,
                            (3 * h, 1),
                            1.0,
                        );
                    }
                });
                dqkv
            })
        })??;
        Ok(Some(Tensor::from_vec(dqkv, qkv.shape(), qkv.device())?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::storage::max_abs_diff;
    use candle_core::{Device, Var, D};

    /// The same attention from candle's composed ops.
    fn reference(qkv: &Tensor, mask: &Tensor, heads: usize) -> Tensor {
        let (b, t, h3) = qkv.dims3().unwrap();
        let h = h3 / 3;
        let hd = h / heads;
        let split = |i: usize| {
            qkv.narrow(2, i * h, h)
                .unwrap()
                .reshape((b, t, heads, hd))
                .unwrap()
                .transpose(1, 2)
                .unwrap()
                .contiguous()
                .unwrap()
        };
        let (q, k, v) = (split(0), split(1), split(2));
        let bias = ((mask.clone() - 1.0).unwrap() * 1e9)
            .unwrap()
            .reshape((b, 1, 1, t))
            .unwrap();
        let s = (q.matmul(&k.t().unwrap()).unwrap() / (hd as f64).sqrt()).unwrap();
        let p = candle_nn::ops::softmax(&s.broadcast_add(&bias).unwrap(), D::Minus1).unwrap();
        p.matmul(&v)
            .unwrap()
            .transpose(1, 2)
            .unwrap()
            .reshape((b, t, h))
            .unwrap()
    }

    #[test]
    fn matches_the_composed_ops_and_their_gradient() {
        let dev = Device::Cpu;
        let (b, t, heads, hd) = (2, 7, 3, 4);
        let qkv =
            Var::from_tensor(&Tensor::randn(0f32, 1.0, (b, t, 3 * heads * hd), &dev).unwrap())
                .unwrap();
        let mask = Tensor::new(&[[1f32, 1., 1., 1., 1., 0., 0.], [1.; 7]], &dev).unwrap();
        let up = Tensor::randn(0f32, 1.0, (b, t, heads * hd), &dev).unwrap();
        let ours = self_attention(qkv.as_tensor(), &mask, heads, None).unwrap();
        let want = reference(qkv.as_tensor(), &mask, heads);
        let d = max_abs_diff(&ours, &want);
        assert!(d < 1e-5, "forward differs by {d}");
        let g1 = (ours * &up).unwrap().sum_all().unwrap().backward().unwrap();
        let g2 = (want * &up).unwrap().sum_all().unwrap().backward().unwrap();
        let d = max_abs_diff(
            g1.get(qkv.as_tensor()).unwrap(),
            g2.get(qkv.as_tensor()).unwrap(),
        );
        assert!(d < 1e-5, "gradient differs by {d}");
    }

    #[test]
    fn dropout_gradient_matches_finite_differences() {
        let dev = Device::Cpu;
        let (b, t, heads, hd) = (1, 5, 2, 3);
        let x = Tensor::randn(0f32, 1.0, (b, t, 3 * heads * hd), &dev).unwrap();
        let mask = Tensor::ones((b, t), candle_core::DType::F32, &dev).unwrap();
        let up = Tensor::randn(0f32, 1.0, (b, t, heads * hd), &dev).unwrap();
        let f = |x: &Tensor| {
            (self_attention(x, &mask, heads, Some((0.3, 9))).unwrap() * &up)
                .unwrap()
                .sum_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap()
        };
        let v = Var::from_tensor(&x).unwrap();
        let g = (self_attention(v.as_tensor(), &mask, heads, Some((0.3, 9))).unwrap() * &up)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        let g = g
            .get(v.as_tensor())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        let xs = x.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        for i in [0, 7, 13, 20, 29, 41, 44] {
            let eps = 1e-2;
            let mut hi = xs.clone();
            hi[i] += eps;
            let mut lo = xs.clone();
            lo[i] -= eps;
            let shape = x.shape().clone();
            let num = (f(&Tensor::from_vec(hi, shape.clone(), &dev).unwrap())
                - f(&Tensor::from_vec(lo, shape, &dev).unwrap()))
                / (2.0 * eps);
            assert!(
                (num - g[i]).abs() < 2e-2 * (1.0 + num.abs()),
                "at {i}: {num} vs {}",
                g[i]
            );
        }
    }
}
