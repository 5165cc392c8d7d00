//! Inference products in int8 with i32 sums, with one of two kernels ([`Kernel`]):
//!
//! - AVX-512 VNNI (`vpdpbusd`: 64 multiply-adds per instruction, twice the bf16
//!   rate and four times f32's);
//! - AVX2 (`vpmaddubsw` then `vpmaddwd` by ones: 32 multiply-adds in two
//!   instructions, twice f32's FMA rate on x86-64-v3 CPUs without VNNI).
//!
//! Weights are quantised once, symmetrically per output column
//! (`scale = max |w| / L`). Activations are quantised per row at each call to
//! ±127 and stored offset by 128 as unsigned bytes because both kernels multiply
//! unsigned by signed bytes; the offset is taken off again with the weights'
//! column sums. `L` is 127 for VNNI. `vpmaddubsw` adds two u8 × s8 products in
//! a saturating i16, so for AVX2 the weights get 7 bits (`L = 63`, as oneDNN
//! does without VNNI): 2 · 255 · 63 = 32,130 < 32,767, so no pair saturates and
//! the sums are exact. Sums are exact in i32 (|sum| < 2³¹ for k < 66,000).
//! [`available`] says whether this CPU can run either.

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

/// An int8 micro-kernel, chosen per CPU at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// AVX2 `vpmaddubsw` + `vpmaddwd`, weights in 7 bits (x86-64-v3 CPUs).
    Avx2,
    /// AVX-512 VNNI `vpdpbusd`, weights in 8 bits.
    Vnni,
}

impl Kernel {
    /// The largest weight level: `q = round(w / max |w| · levels)`.
    fn levels(self) -> f32 {
        match self {
            Kernel::Avx2 => 63.0,
            Kernel::Vnni => 127.0,
        }
    }

    /// `avx2` or `avx512-vnni`.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Avx2 => "avx2",
            Kernel::Vnni => "avx512-vnni",
        }
    }

    /// Whether this CPU can run the kernel at the [`crate::cpu::tier`] in use.
    pub fn runs_here(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            use crate::cpu::{tier, Tier};
            use std::arch::is_x86_feature_detected as has;
            match self {
                Kernel::Vnni => {
                    tier() == Tier::Avx512
                        && has!("avx512f")
                        && has!("avx512bw")
                        && has!("avx512vnni")
                }
                Kernel::Avx2 => tier() >= Tier::Avx2 && has!("avx2") && has!("fma"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    /// The fastest kernel this CPU runs, if any (VNNI, else AVX2).
    pub fn best() -> Option<Kernel> {
        [Kernel::Vnni, Kernel::Avx2]
            .into_iter()
            .find(|k| k.runs_here())
    }
}

/// Whether this CPU runs an int8 kernel (AVX-512 VNNI or AVX2; checked at run time).
pub fn available() -> bool {
    Kernel::best().is_some()
}

/// `round(x)` as an integer, for |x| < 2²² (vectorises, unlike `as i32`).
#[inline(always)]
fn round_i32(x: f32) -> i32 {
    ((x + MAGIC).to_bits() as i32).wrapping_sub(0x4B40_0000)
}

/// `levels / max |xs|` and its inverse, the scale (0 and 1 for an all-zero slice).
#[inline(always)]
fn scales(xs: impl Iterator<Item = f32>, levels: f32) -> (f32, f32) {
    let max = xs.fold(0f32, |m, x| m.max(x.abs()));
    if max > 0.0 {
        (levels / max, max / levels)
    } else {
        (0.0, 1.0)
    }
}

/// A Linear layer's weight `[n, k]` (row-major, `n` outputs) quantised to int8
/// per output and packed as the right-hand operand of `x · Wᵀ`.
pub struct PackedW {
    kernel: Kernel,
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
    /// Quantises and packs a row-major `[n, k]` weight for `kernel`.
    pub fn pack_transposed(w: &[f32], n: usize, k: usize, kernel: Kernel) -> Self {
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
                    let (inv, s) = scales(row.iter().copied(), kernel.levels());
                    scale[c] = s;
                    let mut sum = 0i32;
                    let max = kernel.levels() as i32;
                    for (i, &v) in row.iter().enumerate() {
                        let q = round_i32(v * inv).clamp(-max, max);
                        sum += q;
                        panel[(i / 4) * NR * 4 + c * 4 + i % 4] = q as i8;
                    }
                    offset[c] = 128 * sum;
                }
            });
        PackedW {
            kernel,
            k,
            n,
            data,
            scale,
            offset,
        }
    }

    /// The kernel the weight was quantised and packed for.
    pub fn kernel(&self) -> Kernel {
        self.kernel
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
                        let (inv, s) = scales(row.iter().copied(), 127.0);
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
/// Panics if the shapes disagree or the CPU cannot run the kernel `w` was packed
/// for ([`Kernel::runs_here`]).
pub fn matmul(
    a: &QuantA,
    w: &PackedW,
    bias: &[f32],
    post: &(dyn Fn(&mut [f32]) + Sync),
) -> Vec<f32> {
    assert_eq!(a.k, w.k, "int8 matmul: inner dimensions differ");
    assert!(bias.len() >= w.n, "int8 matmul: bias too short");
    assert!(
        w.kernel.runs_here(),
        "int8 matmul: this CPU cannot run the {} kernel",
        w.kernel.name()
    );
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
                // SAFETY: `runs_here()` was checked; the slices cover kq quads
                // of MR rows and of NR columns.
                unsafe {
                    match w.kernel {
                        Kernel::Vnni => kernel_vnni(kq, ap.as_ptr(), wp.as_ptr(), &mut out),
                        Kernel::Avx2 => kernel_avx2(kq, ap.as_ptr(), wp.as_ptr(), &mut out),
                    }
                };
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
unsafe fn kernel_vnni(kq: usize, a: *const u32, w: *const i8, out: &mut [[i32; NR]; MR]) {
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

/// [`kernel_vnni`]'s contract with AVX2: four rows × 16 columns at a time (8
/// accumulators, within the 16 registers), so the tile takes four passes.
/// `vpmaddubsw` adds adjacent u8 × s8 products into i16 (exact: 7-bit weights),
/// `vpmaddwd` by ones adds those pairs into the column's i32 lane.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn kernel_avx2(kq: usize, a: *const u32, w: *const i8, out: &mut [[i32; NR]; MR]) {
    use std::arch::x86_64::*;
    let ones = _mm256_set1_epi16(1);
    for rb in 0..MR / 4 {
        for h in 0..2 {
            let mut acc = [[_mm256_setzero_si256(); 2]; 4];
            for p in 0..kq {
                let wp = w.add(p * NR * 4 + h * 64);
                let w0 = _mm256_loadu_si256(wp as *const __m256i);
                let w1 = _mm256_loadu_si256(wp.add(32) as *const __m256i);
                for (r, acc) in acc.iter_mut().enumerate() {
                    let av = _mm256_set1_epi32(*a.add((rb * 4 + r) * kq + p) as i32);
                    let d0 = _mm256_madd_epi16(_mm256_maddubs_epi16(av, w0), ones);
                    let d1 = _mm256_madd_epi16(_mm256_maddubs_epi16(av, w1), ones);
                    acc[0] = _mm256_add_epi32(acc[0], d0);
                    acc[1] = _mm256_add_epi32(acc[1], d1);
                }
            }
            for (r, acc) in acc.iter().enumerate() {
                let o = out[rb * 4 + r][h * 16..].as_mut_ptr();
                _mm256_storeu_si256(o as *mut __m256i, acc[0]);
                _mm256_storeu_si256(o.add(8) as *mut __m256i, acc[1]);
            }
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn kernel_vnni(_: usize, _: *const u32, _: *const i8, _: &mut [[i32; NR]; MR]) {
    unreachable!("int8 matmul needs x86-64")
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn kernel_avx2(_: usize, _: *const u32, _: *const i8, _: &mut [[i32; NR]; MR]) {
    unreachable!("int8 matmul needs x86-64")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn random(n: usize, rng: &mut Rng) -> Vec<f32> {
        (0..n).map(|_| rng.next_f32() * 4.0 - 2.0).collect()
    }

    /// The kernels this CPU runs (each is tested; an AVX-512 VNNI machine
    /// tests the AVX2 one too, and `CONFLICT_NER_CPU` caps the list).
    fn kernels() -> Vec<Kernel> {
        let ks: Vec<Kernel> = [Kernel::Vnni, Kernel::Avx2]
            .into_iter()
            .filter(|k| k.runs_here())
            .collect();
        if ks.is_empty() {
            eprintln!("skipped: this CPU runs no int8 kernel");
        }
        ks
    }

    /// The product from the quantised values, computed plainly.
    fn reference(
        x: &[f32],
        w: &[f32],
        bias: &[f32],
        (m, n, k): (usize, usize, usize),
        kernel: Kernel,
    ) -> Vec<f32> {
        let quant = |row: &[f32], levels: f32| {
            let (inv, s) = scales(row.iter().copied(), levels);
            (
                row.iter()
                    .map(|v| (v * inv).round_ties_even() as i32)
                    .collect::<Vec<_>>(),
                s,
            )
        };
        let wq: Vec<_> = w.chunks(k).map(|r| quant(r, kernel.levels())).collect();
        let mut out = vec![0f32; m * n];
        for (i, row) in x.chunks(k).enumerate() {
            let (xq, sx) = quant(row, 127.0);
            for (j, (wq, sw)) in wq.iter().enumerate() {
                let dot: i32 = xq.iter().zip(wq).map(|(a, b)| a * b).sum();
                out[i * n + j] = dot as f32 * sx * sw + bias[j];
            }
        }
        out
    }

    #[test]
    fn product_equals_the_plain_quantised_product_on_ragged_shapes() {
        for kernel in kernels() {
            product_on_ragged_shapes(kernel);
        }
    }

    fn product_on_ragged_shapes(kernel: Kernel) {
        let mut rng = Rng::new(7);
        for (m, n, k) in [(1, 1, 1), (13, 33, 7), (25, 40, 1101), (9, 64, 384)] {
            let (x, w, bias) = (
                random(m * k, &mut rng),
                random(n * k, &mut rng),
                random(n, &mut rng),
            );
            let got = matmul(
                &QuantA::quantise(&x, m, k),
                &PackedW::pack_transposed(&w, n, k, kernel),
                &bias,
                &|_: &mut [f32]| {},
            );
            let want = reference(&x, &w, &bias, (m, n, k), kernel);
            for (g, r) in got.iter().zip(&want) {
                assert!(
                    (g - r).abs() <= 1e-4 * r.abs().max(1.0),
                    "{kernel:?} {m}x{n}x{k}: {g} vs {r}"
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
                    "{kernel:?} {m}x{n}x{k}: {g} vs exact {e}"
                );
            }
        }
    }

    /// The worst case for `vpmaddubsw`'s saturating i16 pair sums: every
    /// activation at +127 or -127 (bytes 255 and 1) against weights at the
    /// largest levels of both signs; the i32 sums must be the exact ones.
    #[test]
    fn extreme_bytes_do_not_saturate() {
        for kernel in kernels() {
            let (m, n, k) = (8, 32, 64);
            let x: Vec<f32> = (0..m * k)
                .map(|i| if (i / 3) % 2 == 0 { 1.0 } else { -1.0 })
                .collect();
            let w: Vec<f32> = (0..n * k)
                .map(|i| if (i / 5) % 2 == 0 { 1.0 } else { -1.0 })
                .collect();
            let bias = vec![0f32; n];
            let got = matmul(
                &QuantA::quantise(&x, m, k),
                &PackedW::pack_transposed(&w, n, k, kernel),
                &bias,
                &|_: &mut [f32]| {},
            );
            for (ij, g) in got.iter().enumerate() {
                let (i, j) = (ij / n, ij % n);
                let e: f32 = (0..k).map(|l| x[i * k + l] * w[j * k + l]).sum();
                assert!((g - e).abs() < 1e-3, "{kernel:?} [{i}][{j}]: {g} vs {e}");
            }
        }
    }

    #[test]
    fn post_runs_on_every_output_and_zero_rows_stay_bias() {
        for kernel in kernels() {
            post_and_zero_rows(kernel);
        }
    }

    fn post_and_zero_rows(kernel: Kernel) {
        let (m, n, k) = (10, 37, 12);
        let mut x = random(m * k, &mut Rng::new(1));
        x[..k].fill(0.0);
        let w = random(n * k, &mut Rng::new(2));
        let bias: Vec<f32> = (0..n).map(|j| j as f32).collect();
        let pw = PackedW::pack_transposed(&w, n, k, kernel);
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
