//! Matrix products in bfloat16 with f32 accumulation, on AVX-512 BF16
//! (`vdpbf16ps`: 32 multiply-adds per instruction, twice the f32 FMA rate).
//!
//! Inputs are rounded to bf16 (round to nearest even); products are summed in f32.
//! [`available`] says whether this CPU can run it; callers fall back to f32.

use rayon::prelude::*;

use crate::cpu::storage::SendPtr;

/// Rows of `A` per register tile.
const MR: usize = 8;
/// Columns of `B` per packed panel (two 16-lane vectors).
const NR: usize = 32;
/// Pairs of `k` per cache block (1,024 values of `k`).
const KC: usize = 512;

/// Whether this CPU has AVX-512 BF16 (checked at run time, so the binary still
/// runs on CPUs without it) and the tier is not capped below AVX-512.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        crate::cpu::tier() == crate::cpu::Tier::Avx512
            && std::arch::is_x86_feature_detected!("avx512bf16")
            && std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// f32 → bf16, round to nearest even (NaN kept quiet).
#[inline]
pub fn to_bf16(x: f32) -> u16 {
    let b = x.to_bits();
    let rounded = (b.wrapping_add(0x7fff + ((b >> 16) & 1)) >> 16) as u16;
    // Branch-free so that packing loops vectorise.
    if x.is_nan() {
        (b >> 16) as u16 | 0x40
    } else {
        rounded
    }
}

/// The right-hand operand `B` (`k × n`) of a product, packed into panels of 32
/// columns in which each pair of `k` rows is interleaved, as `vdpbf16ps` reads it.
#[derive(Clone)]
pub struct PackedB {
    k: usize,
    n: usize,
    /// `[n / 32 panels][k / 2 pairs][32 columns][2]`, zero-padded.
    data: Vec<u16>,
}

impl PackedB {
    /// Packs `B[i][j] = b[i * rs + j * cs]` for `i < k`, `j < n`.
    pub fn pack(b: &[f32], k: usize, n: usize, rs: usize, cs: usize) -> Self {
        let kp = k.div_ceil(2);
        let panels = n.div_ceil(NR);
        let mut data = vec![0u16; panels * kp * NR * 2];
        data.par_chunks_mut(kp * NR * 2)
            .enumerate()
            .for_each(|(p, panel)| {
                crate::cpu::vectorised(
                    #[inline(always)]
                    || {
                        let cols = NR.min(n - p * NR);
                        let slot = |i: usize, j: usize| (i / 2) * NR * 2 + j * 2 + i % 2;
                        if cs == 1 {
                            // Row-major source: two rows at a time, each pair of
                            // values written side by side (contiguous, vectorises).
                            for q in 0..k.div_ceil(2) {
                                let lo = &b[2 * q * rs + p * NR..][..cols];
                                let dst = &mut panel[q * NR * 2..][..cols * 2];
                                if 2 * q + 1 < k {
                                    let hi = &b[(2 * q + 1) * rs + p * NR..][..cols];
                                    for ((d, &l), &h) in dst.chunks_exact_mut(2).zip(lo).zip(hi) {
                                        d[0] = to_bf16(l);
                                        d[1] = to_bf16(h);
                                    }
                                } else {
                                    for (d, &l) in dst.chunks_exact_mut(2).zip(lo) {
                                        d[0] = to_bf16(l);
                                    }
                                }
                            }
                        } else {
                            // Column-major source (a transposed weight): read down columns.
                            for j in 0..cols {
                                let col = p * NR + j;
                                for i in 0..k {
                                    panel[slot(i, j)] = to_bf16(b[i * rs + col * cs]);
                                }
                            }
                        }
                    },
                )
            });
        PackedB { k, n, data }
    }

    /// Packs the transpose of a row-major `[n, k]` matrix (a Linear layer's
    /// `[out, in]` weight), so that `x · Wᵀ` is `matmul(x, &packed)`.
    pub fn pack_transposed(w: &[f32], n: usize, k: usize) -> Self {
        Self::pack(w, k, n, 1, k)
    }

    /// `k`, the shared dimension.
    pub fn k(&self) -> usize {
        self.k
    }

    /// `n`, the output columns.
    pub fn n(&self) -> usize {
        self.n
    }
}

/// `A` (`m × k`, any strides) rounded to bf16, row-major with `k` padded to even.
pub struct PackedA {
    m: usize,
    k: usize,
    /// `[m rounded up to MR][kpad]`; bf16 pairs read as `u32`.
    data: Vec<u32>,
}

impl PackedA {
    /// Packs `A[i][j] = a[i * rs + j * cs]` for `i < m`, `j < k`.
    pub fn pack(a: &[f32], m: usize, k: usize, rs: usize, cs: usize) -> Self {
        let kp = k.div_ceil(2);
        let rows = m.div_ceil(MR) * MR;
        let mut data = vec![0u32; rows * kp];
        data.par_chunks_mut(kp * MR)
            .enumerate()
            .for_each(|(t, tile)| {
                crate::cpu::vectorised(
                    #[inline(always)]
                    || pack_rows(a, (m, k), (rs, cs), t * MR, tile),
                )
            });
        PackedA { m, k, data }
    }
}

/// Rows `first..` of `A` (strides `rs`, `cs`) into `tile`, rows of `k / 2` pairs.
#[inline(always)]
fn pack_rows(
    a: &[f32],
    (m, k): (usize, usize),
    (rs, cs): (usize, usize),
    first: usize,
    tile: &mut [u32],
) {
    let kp = k.div_ceil(2);
    let rows = MR.min(m.saturating_sub(first));
    let at = |i: usize, j: usize| {
        if j < k {
            to_bf16(a[i * rs + j * cs]) as u32
        } else {
            0
        }
    };
    if cs == 1 {
        // Contiguous rows (activations): read along each row.
        for (r, row) in tile.chunks_mut(kp).enumerate().take(rows) {
            let src = &a[(first + r) * rs..][..k];
            for (v, pair) in row.iter_mut().zip(src.chunks_exact(2)) {
                *v = to_bf16(pair[0]) as u32 | (to_bf16(pair[1]) as u32) << 16;
            }
            if k % 2 == 1 {
                row[kp - 1] = to_bf16(src[k - 1]) as u32;
            }
        }
    } else {
        // A transposed matrix (a gradient's rows become columns): read along
        // the rows of the source, i.e. across this tile's rows.
        for p in 0..kp {
            for r in 0..rows {
                let i = first + r;
                tile[r * kp + p] = at(i, 2 * p) | at(i, 2 * p + 1) << 16;
            }
        }
    }
}

/// Row tiles per parallel task (see [`tasks`]).
pub(super) const TT: usize = 4;
/// Column panels per parallel task.
pub(super) const TP: usize = 4;

/// The parallel tasks of a tiled product, as (block of `TT` row tiles, block of
/// `TP` panels): small enough that both cores get work at small shapes, large
/// enough that a task's A rows stay in L1/L2 across its panels.
pub(super) fn tasks(tiles: usize, panels: usize) -> Vec<(usize, usize)> {
    (0..tiles.div_ceil(TT))
        .flat_map(|t| (0..panels.div_ceil(TP)).map(move |p| (t, p)))
        .collect()
}

/// How the product meets what is already in `c`.
#[derive(Clone, Copy)]
pub enum Store<'a> {
    /// `c = A·B`.
    Zero,
    /// `c = A·B + bias` (bias has `n` values, added to every row).
    Bias(&'a [f32]),
    /// `c += A·B`.
    Accumulate,
}

/// `C = A·B` into row-major `c` (`m × n`, row stride `n`), per `init`.
///
/// Panics if the shapes disagree or the CPU lacks AVX-512 BF16 ([`available`]).
pub fn matmul(a: &PackedA, b: &PackedB, c: &mut [f32], init: Store) {
    assert!(c.len() >= a.m * b.n, "bf16 matmul: output too small");
    // SAFETY: c holds m × n initialised values.
    unsafe { run(a, b, c.as_mut_ptr(), init, &|_: &mut [f32]| {}) }
}

/// `A·B` (plus `bias`) as a new row-major `m × n` vector, with `post` applied
/// to each finished stretch of a row while it is still in cache (for example an
/// activation). The output is never zero-filled first.
pub fn matmul_new(
    a: &PackedA,
    b: &PackedB,
    bias: Option<&[f32]>,
    post: &(dyn Fn(&mut [f32]) + Sync),
) -> Vec<f32> {
    let len = a.m * b.n;
    let mut c: Vec<std::mem::MaybeUninit<f32>> = Vec::with_capacity(len);
    let init = bias.map_or(Store::Zero, Store::Bias);
    // SAFETY: MaybeUninit needs no initialisation; `run` writes every element
    // (Zero/Bias) before reading any, so the buffer is then a valid Vec<f32>.
    unsafe {
        c.set_len(len);
        run(a, b, c.as_mut_ptr() as *mut f32, init, post);
        let mut c = std::mem::ManuallyDrop::new(c);
        Vec::from_raw_parts(c.as_mut_ptr() as *mut f32, len, c.capacity())
    }
}

/// The product into `c` (`m × n` at row stride `n`).
///
/// # Safety
/// `c` must be valid for `m × n` writes, and initialised if `init` is `Accumulate`.
unsafe fn run(
    a: &PackedA,
    b: &PackedB,
    c: *mut f32,
    init: Store,
    post: &(dyn Fn(&mut [f32]) + Sync),
) {
    assert_eq!(a.k, b.k, "bf16 matmul: inner dimensions differ");
    assert!(available(), "bf16 matmul: CPU lacks AVX-512 BF16");
    let (m, n, kp) = (a.m, b.n, a.k.div_ceil(2));
    if m == 0 || n == 0 {
        return;
    }
    let panels = n.div_ceil(NR);
    let tiles = m.div_ceil(MR);
    let tasks = tasks(tiles, panels);
    let c_ptr = SendPtr(c);
    tasks.par_iter().for_each(|&(tb, pb)| {
        let c_ptr = &c_ptr;
        let mut out = [[0f32; NR]; MR];
        for k0 in (0..kp).step_by(KC) {
            let kc = KC.min(kp - k0);
            let (first, last) = (k0 == 0, k0 + kc == kp);
            for p in pb * TP..((pb + 1) * TP).min(panels) {
                let bp = &b.data[p * kp * NR * 2 + k0 * NR * 2..][..kc * NR * 2];
                for t in tb * TT..((tb + 1) * TT).min(tiles) {
                    let ap = &a.data[t * MR * kp + k0..];
                    // SAFETY: `available()` was checked; slices cover kc pairs.
                    unsafe { kernel(kc, ap.as_ptr(), kp, bp.as_ptr(), &mut out) };
                    let rows = MR.min(m - t * MR);
                    let cols = NR.min(n - p * NR);
                    for (r, o) in out.iter().enumerate().take(rows) {
                        // SAFETY: tasks write disjoint (row tile, panel) blocks of c,
                        // and this task wrote its block (first k block) before reading it.
                        let d = unsafe { c_ptr.0.add((t * MR + r) * n + p * NR) };
                        match init {
                            Store::Zero if first => unsafe {
                                std::ptr::copy_nonoverlapping(o.as_ptr(), d, cols)
                            },
                            Store::Bias(bias) if first => {
                                for (j, (&v, &bb)) in
                                    o[..cols].iter().zip(&bias[p * NR..]).enumerate()
                                {
                                    unsafe { d.add(j).write(v + bb) };
                                }
                            }
                            _ => {
                                for (j, &v) in o[..cols].iter().enumerate() {
                                    unsafe { *d.add(j) += v };
                                }
                            }
                        }
                        if last {
                            post(unsafe { std::slice::from_raw_parts_mut(d, cols) });
                        }
                    }
                }
            }
        }
    });
}

/// One `MR × 32` tile over `kc` pairs of `k`: `a` points at row 0's first pair
/// (rows `a_rs` pairs apart), `b` at the panel's first pair.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bf16")]
unsafe fn kernel(kc: usize, a: *const u32, a_rs: usize, b: *const u16, out: &mut [[f32; NR]; MR]) {
    use std::arch::x86_64::*;
    let mut acc = [[_mm512_setzero_ps(); 2]; MR];
    for p in 0..kc {
        let bp = b.add(p * NR * 2);
        let b0: __m512bh = std::mem::transmute(_mm512_loadu_si512(bp as *const _));
        let b1: __m512bh = std::mem::transmute(_mm512_loadu_si512(bp.add(32) as *const _));
        for (r, acc) in acc.iter_mut().enumerate() {
            let av: __m512bh = std::mem::transmute(_mm512_set1_epi32(*a.add(r * a_rs + p) as i32));
            acc[0] = _mm512_dpbf16_ps(acc[0], av, b0);
            acc[1] = _mm512_dpbf16_ps(acc[1], av, b1);
        }
    }
    for (o, acc) in out.iter_mut().zip(&acc) {
        _mm512_storeu_ps(o.as_mut_ptr(), acc[0]);
        _mm512_storeu_ps(o.as_mut_ptr().add(16), acc[1]);
    }
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn kernel(_: usize, _: *const u32, _: usize, _: *const u16, _: &mut [[f32; NR]; MR]) {
    unreachable!("bf16 matmul needs x86-64 AVX-512 BF16")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let r = |x: f32| f32::from_bits((to_bf16(x) as u32) << 16);
        let mut c = vec![0f32; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).map(|t| r(a[i * k + t]) * r(b[t * n + j])).sum();
            }
        }
        c
    }

    #[test]
    fn rounding_is_nearest_even() {
        assert_eq!(to_bf16(1.0), 0x3f80);
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1.0).
        assert_eq!(to_bf16(1.0 + 1.0 / 256.0), 0x3f80);
        assert_eq!(to_bf16(1.0 + 3.0 / 256.0), 0x3f82);
        assert!(f32::from_bits((to_bf16(f32::NAN) as u32) << 16).is_nan());
    }

    #[test]
    fn matches_a_rounded_reference_on_ragged_shapes() {
        if !available() {
            return;
        }
        let mut rng = crate::rng::Rng::new(3);
        for &(m, k, n) in &[(1, 1, 1), (13, 7, 33), (25, 1100, 40), (12, 64, 32)] {
            let a: Vec<f32> = (0..m * k).map(|_| rng.normal()).collect();
            let b: Vec<f32> = (0..k * n).map(|_| rng.normal()).collect();
            let want = reference(&a, &b, m, k, n);
            let bias: Vec<f32> = (0..n).map(|j| j as f32).collect();
            let pa = PackedA::pack(&a, m, k, k, 1);
            let pb = PackedB::pack(&b, k, n, n, 1);
            let mut c = vec![7f32; m * n];
            matmul(&pa, &pb, &mut c, Store::Bias(&bias));
            // The allocating form (no zero fill) with a post-op gives the same.
            let fresh = matmul_new(&pa, &pb, Some(&bias), &|r: &mut [f32]| {
                r.iter_mut().for_each(|v| *v *= 2.0)
            });
            assert!(fresh.iter().zip(&c).all(|(f, c)| *f == 2.0 * c));
            matmul(&pa, &pb, &mut c, Store::Accumulate);
            for i in 0..m * n {
                let w = 2.0 * want[i] + (i % n) as f32;
                assert!(
                    (c[i] - w).abs() < 1e-3 * (1.0 + w.abs()),
                    "{m}x{k}x{n} at {i}: {} vs {w}",
                    c[i]
                );
            }
            // Transposed packing of a [n, k] weight gives the same product.
            let wt: Vec<f32> = (0..n * k).map(|x| b[(x % k) * n + x / k]).collect();
            let mut c2 = vec![0f32; m * n];
            matmul(
                &pa,
                &PackedB::pack_transposed(&wt, n, k),
                &mut c2,
                Store::Zero,
            );
            let mut c3 = vec![0f32; m * n];
            matmul(&pa, &pb, &mut c3, Store::Zero);
            assert_eq!(c2, c3);
        }
    }
}
