//! Inference products in int8 with i32 sums, on AVX-512 VNNI (`vpdpbusd`: 64
//! multiply-adds per instruction, twice the bf16 rate and four times f32's).
//!
//! Weights are quantised once, symmetrically per output column
//! (`scale = max |w| / 127`). Activations are quantised per row at each call, the
//! same way, and stored offset by 128 as unsigned bytes because `vpdpbusd`
//! multiplies unsigned by signed bytes; the offset is taken off again with the
//! weights' column sums. Sums are exact in i32 (|sum| < 2³¹ for k < 66,000).
//! [`available`] says whether this CPU can run it.

use rayon::prelude::*;

use super::bf16::{tasks, TP, TT};
use crate::cpu::storage::SendPtr;
use crate::cpu::vectorised;

/// Rows of `A` per register tile.
const MR: usize = 8;
/// Columns of `B` per packed panel (two 16-lane vectors).
const NR: usize = 32;
/// 1.5 · 2²³: adding it rounds a float of magnitude < 2²² to the nearest
/// integer (ties to even) and leaves that integer in the low mantissa bits.
const MAGIC: f32 = 12_582_912.0;

/// Whether this CPU has AVX-512 VNNI (checked at run time).
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        crate::cpu::tier() == crate::cpu::Tier::Avx512
            && has!("avx512f")
            && has!("avx512bw")
            && has!("avx512vnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `round(x)` as an integer, for |x| < 2²² (vectorises, unlike `as i32`).
#[inline(always)]
fn round_i32(x: f32) -> i32 {
    ((x + MAGIC).to_bits() as i32).wrapping_sub(0x4B40_0000)
}

/// `127 / max |xs|` and its inverse, the scale (0 and 1 for an all-zero slice).
#[inline(always)]
fn scales(xs: impl Iterator<Item = f32>) -> (f32, f32) {
    let max = xs.fold(0f32, |m, x| m.max(x.abs()));
    if max > 0.0 {
        (127.0 / max, max / 127.0)
    } else {
        (0.0, 1.0)
    }
}

/// A Linear layer's weight `[n, k]` (row-major, `n` outputs) quantised to int8
/// per output and packed as the right-hand operand of `x · Wᵀ`.
pub struct PackedW {
    k: usize,
    n: usize,
    /// `[n / 32 panels][k / 4 quads][32 columns][4]`, zero-padded.
    data: Vec<i8>,
    /// Per output (padded to the panels): the dequantisation scale.
    scale: Vec<f32>,
    /// Per output (padded): `128 · Σₖ q[j][k]`, the activations' offset times the column sum.
    offset: Vec<i32>,
}

impl PackedW {
    /// Quantises and packs a row-major `[n, k]` weight.
    pub fn pack_transposed(w: &[f32], n: usize, k: usize) -> Self {
        assert!(w.len() >= n * k, "int8 pack: weight too small");
        let kq = k.div_ceil(4);
        let panels = n.div_ceil(NR);
        let mut data = vec![0i8; panels * kq * NR * 4];
        let mut scale = vec![1f32; panels * NR];
        let mut offset = vec![0i32; panels * NR];
        data.par_chunks_mut(kq * NR * 4)
            .zip(scale.par_chunks_mut(NR).zip(offset.par_chunks_mut(NR)))
            .enumerate()
            .for_each(|(p, (panel, (scale, offset)))| {
                for c in 0..NR.min(n - p * NR) {
                    let row = &w[(p * NR + c) * k..][..k];
                    let (inv, s) = scales(row.iter().copied());
                    scale[c] = s;
                    let mut sum = 0i32;
                    for (i, &v) in row.iter().enumerate() {
                        let q = round_i32(v * inv).clamp(-127, 127);
                        sum += q;
                        panel[(i / 4) * NR * 4 + c * 4 + i % 4] = q as i8;
                    }
                    offset[c] = 128 * sum;
                }
            });
        PackedW {
            k,
            n,
            data,
            scale,
            offset,
        }
    }

    /// `k`, the inputs.
    pub fn k(&self) -> usize {
        self.k
    }

    /// `n`, the outputs.
    pub fn n(&self) -> usize {
        self.n
    }
}

/// Activations `A` (`m × k`, row-major) quantised per row, offset to unsigned.
pub struct QuantA {
    m: usize,
    k: usize,
    /// `[m rounded up to MR][k / 4]`; four `u8` values (`q + 128`) per `u32`,
    /// the first in the low byte.
    data: Vec<u32>,
    /// Per row (padded): the dequantisation scale.
    scale: Vec<f32>,
}

impl QuantA {
    /// Quantises the rows of a row-major `m × k` matrix.
    pub fn quantise(a: &[f32], m: usize, k: usize) -> Self {
        assert!(a.len() >= m * k, "int8 quantise: input too small");
        let kq = k.div_ceil(4);
        let rows = m.div_ceil(MR) * MR;
        let mut data = vec![0x8080_8080u32; rows * kq];
        let mut scale = vec![1f32; rows];
        data.par_chunks_mut(kq)
            .zip(scale.par_iter_mut())
            .take(m)
            .enumerate()
            .for_each(|(i, (dst, scale))| {
                let row = &a[i * k..][..k];
                vectorised(
                    #[inline(always)]
                    || {
                        let (inv, s) = scales(row.iter().copied());
                        *scale = s;
                        let byte = |v: f32| (round_i32(v * inv) + 128) as u32 & 0xff;
                        let whole = k / 4;
                        for (d, q) in dst.iter_mut().zip(row.chunks_exact(4)) {
                            *d = byte(q[0]) | byte(q[1]) << 8 | byte(q[2]) << 16 | byte(q[3]) << 24;
                        }
                        if whole < kq {
                            let mut d = 0x8080_8080u32;
                            for (b, &v) in row[whole * 4..].iter().enumerate() {
                                d = d & !(0xff << (8 * b)) | byte(v) << (8 * b);
                            }
                            dst[whole] = d;
                        }
                    },
                )
            });
        QuantA { m, k, data, scale }
    }
}

/// `A·W + bias` as a new row-major `m × n` vector (dequantised to f32), with
/// `post` applied to each finished stretch of a row while it is in cache.
///
/// Panics if the shapes disagree or the CPU lacks AVX-512 VNNI ([`available`]).
pub fn matmul(
    a: &QuantA,
    w: &PackedW,
    bias: &[f32],
    post: &(dyn Fn(&mut [f32]) + Sync),
) -> Vec<f32> {
    assert_eq!(a.k, w.k, "int8 matmul: inner dimensions differ");
    assert!(bias.len() >= w.n, "int8 matmul: bias too short");
    assert!(available(), "int8 matmul: CPU lacks AVX-512 VNNI");
    if a.m == 0 || w.n == 0 {
        return Vec::new();
    }
    let (m, n, kq) = (a.m, w.n, a.k.div_ceil(4));
    let len = m * n;
    let mut c: Vec<std::mem::MaybeUninit<f32>> = Vec::with_capacity(len);
    // SAFETY: MaybeUninit needs no initialisation; every element is written below
    // (each row tile × panel block once) before the buffer becomes a Vec<f32>.
    unsafe { c.set_len(len) };
    let panels = n.div_ceil(NR);
    let tiles = m.div_ceil(MR);
    // The bf16 kernel's tasks; here a row tile's A stays in L1 across the
    // task's panels, and `post` then runs once per row stretch.
    let tasks = tasks(tiles, panels);
    let c_ptr = SendPtr(c.as_mut_ptr() as *mut f32);
    tasks.par_iter().for_each(|&(tb, pb)| {
        let c_ptr = &c_ptr;
        let mut out = [[0i32; NR]; MR];
        let (p0, p1) = (pb * TP, ((pb + 1) * TP).min(panels));
        for t in tb * TT..((tb + 1) * TT).min(tiles) {
            let ap = &a.data[t * MR * kq..][..MR * kq];
            let rows = MR.min(m - t * MR);
            for p in p0..p1 {
                let wp = &w.data[p * kq * NR * 4..][..kq * NR * 4];
                // SAFETY: `available()` was checked; the slices cover kq quads
                // of MR rows and of NR columns.
                unsafe { kernel(kq, ap.as_ptr(), wp.as_ptr(), &mut out) };
                let cols = NR.min(n - p * NR);
                let (ws, wo) = (&w.scale[p * NR..][..cols], &w.offset[p * NR..][..cols]);
                let b = &bias[p * NR..][..cols];
                for (r, o) in out.iter().enumerate().take(rows) {
                    let i = t * MR + r;
                    // SAFETY: tasks write disjoint (row tile, panel) blocks of c.
                    let d = unsafe {
                        std::slice::from_raw_parts_mut(c_ptr.0.add(i * n + p * NR), cols)
                    };
                    let sa = a.scale[i];
                    vectorised(
                        #[inline(always)]
                        || {
                            for ((d, (&o, &b)), (&wo, &ws)) in
                                d.iter_mut().zip(o.iter().zip(b)).zip(wo.iter().zip(ws))
                            {
                                *d = (o - wo) as f32 * (sa * ws) + b;
                            }
                        },
                    );
                }
            }
            let (c0, c1) = (p0 * NR, (p1 * NR).min(n));
            for i in t * MR..t * MR + rows {
                // SAFETY: this task's block, all written above.
                post(unsafe { std::slice::from_raw_parts_mut(c_ptr.0.add(i * n + c0), c1 - c0) });
            }
        }
    });
    let mut c = std::mem::ManuallyDrop::new(c);
    // SAFETY: all `len` values are initialised f32s.
    unsafe { Vec::from_raw_parts(c.as_mut_ptr() as *mut f32, len, c.capacity()) }
}

/// One `MR × 32` tile over `kq` quads of `k`: `a` points at row 0's first quad
/// (rows `kq` quads apart), `w` at the panel's first quad.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn kernel(kq: usize, a: *const u32, w: *const i8, out: &mut [[i32; NR]; MR]) {
    use std::arch::x86_64::*;
    let mut acc = [[_mm512_setzero_si512(); 2]; MR];
    for p in 0..kq {
        let wp = w.add(p * NR * 4);
        let w0 = _mm512_loadu_si512(wp as *const _);
        let w1 = _mm512_loadu_si512(wp.add(64) as *const _);
        for (r, acc) in acc.iter_mut().enumerate() {
            let av = _mm512_set1_epi32(*a.add(r * kq + p) as i32);
            acc[0] = _mm512_dpbusd_epi32(acc[0], av, w0);
            acc[1] = _mm512_dpbusd_epi32(acc[1], av, w1);
        }
    }
    for (o, acc) in out.iter_mut().zip(&acc) {
        _mm512_storeu_si512(o.as_mut_ptr() as *mut _, acc[0]);
        _mm512_storeu_si512(o.as_mut_ptr().add(16) as *mut _, acc[1]);
    }
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn kernel(_: usize, _: *const u32, _: *const i8, _: &mut [[i32; NR]; MR]) {
    unreachable!("int8 matmul needs x86-64 AVX-512 VNNI")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn random(n: usize, rng: &mut Rng) -> Vec<f32> {
        (0..n).map(|_| rng.next_f32() * 4.0 - 2.0).collect()
    }

    /// The product from the quantised values, computed plainly.
    fn reference(x: &[f32], w: &[f32], bias: &[f32], (m, n, k): (usize, usize, usize)) -> Vec<f32> {
        let quant = |row: &[f32]| {
            let (inv, s) = scales(row.iter().copied());
            (
                row.iter()
                    .map(|v| (v * inv).round_ties_even() as i32)
                    .collect::<Vec<_>>(),
                s,
            )
        };
        let wq: Vec<_> = w.chunks(k).map(quant).collect();
        let mut out = vec![0f32; m * n];
        for (i, row) in x.chunks(k).enumerate() {
            let (xq, sx) = quant(row);
            for (j, (wq, sw)) in wq.iter().enumerate() {
                let dot: i32 = xq.iter().zip(wq).map(|(a, b)| a * b).sum();
                out[i * n + j] = dot as f32 * sx * sw + bias[j];
            }
        }
        out
    }

    #[test]
    fn product_equals_the_plain_quantised_product_on_ragged_shapes() {
        if !available() {
            eprintln!("skipped: this CPU lacks AVX-512 VNNI");
            return;
        }
        let mut rng = Rng::new(7);
        for (m, n, k) in [(1, 1, 1), (13, 33, 7), (25, 40, 1101), (9, 64, 384)] {
            let (x, w, bias) = (
                random(m * k, &mut rng),
                random(n * k, &mut rng),
                random(n, &mut rng),
            );
            let got = matmul(
                &QuantA::quantise(&x, m, k),
                &PackedW::pack_transposed(&w, n, k),
                &bias,
                &|_: &mut [f32]| {},
            );
            let want = reference(&x, &w, &bias, (m, n, k));
            for (g, r) in got.iter().zip(&want) {
                assert!(
                    (g - r).abs() <= 1e-4 * r.abs().max(1.0),
                    "{m}x{n}x{k}: {g} vs {r}"
                );
            }
            // And close to the exact f32 product: int8 keeps about two digits.
            let exact: Vec<f32> = (0..m * n)
                .map(|ij| {
                    let (i, j) = (ij / n, ij % n);
                    (0..k).map(|l| x[i * k + l] * w[j * k + l]).sum::<f32>() + bias[j]
                })
                .collect();
            let scale = (k as f32).sqrt() * 2.0;
            for (g, e) in got.iter().zip(&exact) {
                assert!(
                    (g - e).abs() < 0.05 * scale,
                    "{m}x{n}x{k}: {g} vs exact {e}"
                );
            }
        }
    }

    #[test]
    fn post_runs_on_every_output_and_zero_rows_stay_bias() {
        if !available() {
            eprintln!("skipped: this CPU lacks AVX-512 VNNI");
            return;
        }
        let (m, n, k) = (10, 37, 12);
        let mut x = random(m * k, &mut Rng::new(1));
        x[..k].fill(0.0);
        let w = random(n * k, &mut Rng::new(2));
        let bias: Vec<f32> = (0..n).map(|j| j as f32).collect();
        let pw = PackedW::pack_transposed(&w, n, k);
        let plain = matmul(&QuantA::quantise(&x, m, k), &pw, &bias, &|_: &mut [f32]| {});
        assert_eq!(&plain[..n], &bias[..], "an all-zero row gives the bias");
        let doubled = matmul(
            &QuantA::quantise(&x, m, k),
            &pw,
            &bias,
            &|s: &mut [f32]| s.iter_mut().for_each(|v| *v *= 2.0),
        );
        for (d, p) in doubled.iter().zip(&plain) {
            assert_eq!(*d, 2.0 * p);
        }
    }
}
