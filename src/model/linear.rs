//! A dense layer in the Hugging Face layout: `weight` is `[out, in]`, as one
//! fused op (product and bias, with its own backward) in f32 or bf16, and an
//! inference-only int8 path.

use std::sync::OnceLock;

use candle_core::{CpuStorage, CustomOp1, CustomOp3, Layout, Shape, Tensor};
use gemm::{gemm, Parallelism};
use rayon::prelude::*;

use super::bf16::{self, PackedA, PackedB, Store};
use super::gelu::{gelu, gelu_in_place};
use super::int8::{self, PackedW, QuantA};
use super::params::{Init, Params};
use super::Precision;
use crate::cpu::storage::{f32_slice, with_f32};
use crate::error::Result;

/// `y = x · weightᵀ + bias`.
pub struct Linear {
    weight: Tensor,
    bias: Tensor,
    /// Whether the weights are fixed tensors rather than trainable variables
    /// (a concatenation of variables is not a variable itself, but not frozen).
    frozen: bool,
    /// The weight packed for inference in bf16 or int8, built on first use when
    /// the weights are frozen (not trainable), so that they cannot go stale.
    packed_bf16: OnceLock<PackedB>,
    packed_int8: OnceLock<PackedW>,
    /// The bias as a plain vector, for the packed paths.
    bias_values: OnceLock<Vec<f32>>,
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
            frozen: !weight.is_variable(),
            weight,
            bias,
            packed_bf16: OnceLock::new(),
            packed_int8: OnceLock::new(),
            bias_values: OnceLock::new(),
        }
    }

    /// One layer whose outputs are those of `parts` side by side (for example
    /// query, key and value as one `[3·h, h]` product). Gradients flow back to
    /// each part's weights.
    pub fn concat(parts: &[&Linear]) -> Result<Self> {
        let w: Vec<&Tensor> = parts.iter().map(|l| &l.weight).collect();
        let b: Vec<&Tensor> = parts.iter().map(|l| &l.bias).collect();
        Ok(Linear {
            frozen: parts.iter().all(|l| l.frozen),
            ..Self::from_parts(Tensor::cat(&w, 0)?, Tensor::cat(&b, 0)?)
        })
    }

    /// Whether the weights are fixed tensors (inference) rather than trainable variables.
    pub fn frozen(&self) -> bool {
        self.frozen
    }

    /// Applies the layer to `x` of shape `[..., in]`, giving `[..., out]`.
    /// With bf16, inputs and weights are rounded to bf16 and products summed in
    /// f32 (the bias and output stay f32); int8 see [`Precision::Int8`].
    /// Gradients flow to `x`, weight and bias.
    pub fn forward(&self, x: &Tensor, precision: Precision) -> Result<Tensor> {
        let (rows, inp, out_dims) = self.shapes(x)?;
        let x2 = x.reshape((rows, inp))?;
        let y = if self.packed_path(x, precision) {
            self.forward_packed(&x2, false, precision)?
        } else {
            x2.apply_op3(&self.weight, &self.bias, LinearOp { precision })?
        };
        Ok(y.reshape(out_dims)?)
    }

    /// `gelu(self.forward(x))` (erf GELU), with the activation fused into the
    /// product on the packed (bf16 or int8) inference paths.
    pub fn forward_gelu(&self, x: &Tensor, precision: Precision) -> Result<Tensor> {
        if !self.packed_path(x, precision) {
            return gelu(&self.forward(x, precision)?);
        }
        let (rows, inp, out_dims) = self.shapes(x)?;
        let y = self.forward_packed(&x.reshape((rows, inp))?, true, precision)?;
        Ok(y.reshape(out_dims)?)
    }

    /// Whether `forward` takes a packed inference path (no gradient needed).
    fn packed_path(&self, x: &Tensor, precision: Precision) -> bool {
        precision != Precision::F32 && self.frozen() && !x.is_variable()
    }

    /// bf16 or int8 with the weight packed once and kept (frozen weights only);
    /// no gradient; GELU fused in if `gelu`.
    fn forward_packed(&self, x: &Tensor, gelu: bool, precision: Precision) -> Result<Tensor> {
        fn get_or_pack<T>(
            cell: &OnceLock<T>,
            pack: impl FnOnce() -> candle_core::Result<T>,
        ) -> candle_core::Result<&T> {
            if cell.get().is_none() {
                let _ = cell.set(pack()?);
            }
            Ok(cell.get().expect("set above"))
        }
        let (out, inp) = self.weight.dims2()?;
        let bias = get_or_pack(&self.bias_values, || with_f32(&self.bias, |b| b.to_vec()))?;
        let weight = if precision == Precision::Int8 {
            Packed::Int8(get_or_pack(&self.packed_int8, || {
                let kernel = int8::Kernel::best().ok_or_else(|| {
                    candle_core::Error::Msg("int8: this CPU runs no int8 kernel".into())
                })?;
                with_f32(&self.weight, |w| {
                    PackedW::pack_transposed(w, out, inp, kernel)
                })
            })?)
        } else {
            Packed::Bf16(get_or_pack(&self.packed_bf16, || {
                with_f32(&self.weight, |w| PackedB::pack_transposed(w, out, inp))
            })?)
        };
        Ok(x.contiguous()?
            .apply_op1_no_bwd(&PackedProduct { weight, bias, gelu })?)
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

/// `c (m×n, row-major) = a (m×k) · b (k×n)` per `acc`; strides are (row, column).
#[allow(clippy::too_many_arguments)]
fn product(
    precision: Precision,
    (m, n, k): (usize, usize, usize),
    a: &[f32],
    (a_rs, a_cs): (usize, usize),
    b: &[f32],
    (b_rs, b_cs): (usize, usize),
    c: &mut [f32],
    acc: Store,
) {
    // Int8 is for packed inference; elsewhere it means the fastest float path.
    let bf16 = match precision {
        Precision::F32 => false,
        Precision::Bf16 => true,
        Precision::Int8 => bf16::available(),
    };
    if bf16 {
        let pa = PackedA::pack(a, m, k, a_rs, a_cs);
        let pb = PackedB::pack(b, k, n, b_rs, b_cs);
        return bf16::matmul(&pa, &pb, c, acc);
    }
    let read_dst = match acc {
        Store::Zero => false,
        Store::Accumulate => true,
        Store::Bias(bias) => {
            c.par_chunks_mut(n)
                .for_each(|row| row.copy_from_slice(&bias[..n]));
            true
        }
    };
    // SAFETY: the slices hold the strided matrices (checked by the callers' shapes).
    unsafe {
        gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            read_dst,
            a.as_ptr(),
            a_cs as isize,
            a_rs as isize,
            b.as_ptr(),
            b_cs as isize,
            b_rs as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            Parallelism::Rayon(rayon::current_num_threads()),
        )
    }
}

/// `y = x · wᵀ + b` with `x` `[rows, in]`, `w` `[out, in]`, `b` `[out]`.
struct LinearOp {
    precision: Precision,
}

impl CustomOp3 for LinearOp {
    fn name(&self) -> &'static str {
        "linear"
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
        let (x, w, b) = (
            f32_slice(xs, xl, self.name())?,
            f32_slice(ws, wl, self.name())?,
            f32_slice(bs, bl, self.name())?,
        );
        let (rows, inp) = xl.shape().dims2()?;
        let (out, w_in) = wl.shape().dims2()?;
        if w_in != inp || b.len() != out {
            candle_core::bail!(
                "linear: input [{rows}, {inp}], weight [{out}, {w_in}], bias {}",
                b.len()
            )
        }
        let mut y = vec![0f32; rows * out];
        product(
            self.precision,
            (rows, out, inp),
            x,
            (inp, 1),
            w,
            (1, inp),
            &mut y,
            Store::Bias(b),
        );
        Ok((CpuStorage::F32(y), Shape::from((rows, out))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (rows, inp) = x.dims2()?;
        let out = w.dim(0)?;
        let p = self.precision;
        let (dx, dw, db) = with_f32(x, |x| {
            with_f32(w, |w| {
                with_f32(grad, |g| {
                    let mut dx = vec![0f32; rows * inp];
                    // dx = g · w
                    product(
                        p,
                        (rows, inp, out),
                        g,
                        (out, 1),
                        w,
                        (inp, 1),
                        &mut dx,
                        Store::Zero,
                    );
                    // dw = gᵀ · x
                    let mut dw = vec![0f32; out * inp];
                    product(
                        p,
                        (out, inp, rows),
                        g,
                        (1, out),
                        x,
                        (inp, 1),
                        &mut dw,
                        Store::Zero,
                    );
                    (dx, dw, column_sums(g, out))
                })
            })
        })???;
        let dev = x.device();
        Ok((
            Some(Tensor::from_vec(dx, x.shape(), dev)?),
            Some(Tensor::from_vec(dw, w.shape(), dev)?),
            Some(Tensor::from_vec(db, b.shape(), dev)?),
        ))
    }
}

/// Sums of the columns of a row-major `rows × cols` matrix (the bias gradient).
fn column_sums(g: &[f32], cols: usize) -> Vec<f32> {
    const ROWS: usize = 256;
    g.par_chunks(ROWS * cols)
        .map(|block| {
            crate::cpu::vectorised(
                #[inline(always)]
                || {
                    let mut s = vec![0f32; cols];
                    for row in block.chunks(cols) {
                        s.iter_mut().zip(row).for_each(|(s, v)| *s += v);
                    }
                    s
                },
            )
        })
        .reduce(
            || vec![0f32; cols],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(a, b)| *a += b);
                a
            },
        )
}

/// A frozen weight packed for one of the inference paths.
enum Packed<'a> {
    Bf16(&'a PackedB),
    Int8(&'a PackedW),
}

struct PackedProduct<'a> {
    weight: Packed<'a>,
    bias: &'a [f32],
    gelu: bool,
}

impl CustomOp1 for PackedProduct<'_> {
    fn name(&self) -> &'static str {
        "linear-packed"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = f32_slice(s, l, self.name())?;
        let (rows, inp) = l.shape().dims2()?;
        let (k, n) = match self.weight {
            Packed::Bf16(w) => (w.k(), w.n()),
            Packed::Int8(w) => (w.k(), w.n()),
        };
        if inp != k {
            candle_core::bail!("linear-packed: input has {inp} features, weight {k}")
        }
        let post: &(dyn Fn(&mut [f32]) + Sync) = if self.gelu {
            &gelu_in_place
        } else {
            &|_: &mut [f32]| {}
        };
        let y = match self.weight {
            Packed::Bf16(w) => bf16::matmul_new(
                &PackedA::pack(x, rows, inp, inp, 1),
                w,
                Some(self.bias),
                post,
            ),
            Packed::Int8(w) => int8::matmul(&QuantA::quantise(x, rows, inp), w, self.bias, post),
        };
        Ok((CpuStorage::F32(y), Shape::from((rows, n))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::storage::max_abs_diff;
    use candle_core::{Device, Var};

    fn layer(trainable: bool) -> (Linear, Tensor) {
        let dev = Device::Cpu;
        let w = Tensor::randn(0f32, 0.1, (37, 50), &dev).unwrap();
        let b = Tensor::randn(0f32, 1.0, 37, &dev).unwrap();
        let l = if trainable {
            Linear::from_parts(
                Var::from_tensor(&w).unwrap().as_tensor().clone(),
                Var::from_tensor(&b).unwrap().as_tensor().clone(),
            )
        } else {
            Linear::from_parts(w, b)
        };
        (l, Tensor::randn(0f32, 1.0, (2, 9, 50), &dev).unwrap())
    }

    /// The layer from candle's composed ops.
    fn reference(l: &Linear, x: &Tensor) -> Tensor {
        x.broadcast_matmul(&l.weight.t().unwrap())
            .unwrap()
            .broadcast_add(&l.bias)
            .unwrap()
    }

    #[test]
    fn f32_forward_and_gradients_match_the_composed_ops() {
        let (l, x) = layer(true);
        let x = Var::from_tensor(&x).unwrap();
        let ours = l.forward(x.as_tensor(), Precision::F32).unwrap();
        let want = reference(&l, x.as_tensor());
        assert!(max_abs_diff(&ours, &want) < 1e-5);
        let up = Tensor::randn(0f32, 1.0, ours.shape(), &Device::Cpu).unwrap();
        let g1 = (ours * &up).unwrap().sum_all().unwrap().backward().unwrap();
        let g2 = (want * &up).unwrap().sum_all().unwrap().backward().unwrap();
        for t in [x.as_tensor(), &l.weight, &l.bias] {
            let d = max_abs_diff(g1.get(t).unwrap(), g2.get(t).unwrap());
            assert!(d < 1e-4, "gradient differs by {d}");
        }
    }

    #[test]
    fn bf16_forward_and_gradients_are_close_to_f32() {
        if !bf16::available() {
            return;
        }
        let (l, x) = layer(true);
        let x = Var::from_tensor(&x).unwrap();
        let f = l.forward(x.as_tensor(), Precision::F32).unwrap();
        let h = l.forward(x.as_tensor(), Precision::Bf16).unwrap();
        let d = max_abs_diff(&f, &h);
        // Inputs are rounded to 8 significant bits: about 0.4 % of |x||w|√50 ≈ 0.03.
        assert!(d < 0.03 && d > 0.0, "bf16 forward differs by {d}");
        let g1 = f.sum_all().unwrap().backward().unwrap();
        let g2 = h.sum_all().unwrap().backward().unwrap();
        for t in [x.as_tensor(), &l.weight, &l.bias] {
            let (a, b) = (g1.get(t).unwrap(), g2.get(t).unwrap());
            let scale = a.abs().unwrap().max_keepdim(0).unwrap().max_all().unwrap();
            let d = max_abs_diff(a, b) / scale.to_scalar::<f32>().unwrap();
            assert!(
                d < 0.02,
                "bf16 gradient differs by {d} (relative to its largest)"
            );
        }
    }

    #[test]
    fn packed_bf16_inference_matches_the_unpacked_op() {
        if !bf16::available() {
            return;
        }
        let (l, x) = layer(false);
        assert!(l.frozen());
        let packed = l.forward(&x, Precision::Bf16).unwrap();
        let op = x
            .reshape((18, 50))
            .unwrap()
            .apply_op3(
                &l.weight,
                &l.bias,
                LinearOp {
                    precision: Precision::Bf16,
                },
            )
            .unwrap()
            .reshape((2, 9, 37))
            .unwrap();
        assert_eq!(max_abs_diff(&packed, &op), 0.0);
        // GELU fused into the packed product equals GELU after it.
        let fused = l.forward_gelu(&x, Precision::Bf16).unwrap();
        let after = gelu(&packed).unwrap();
        assert!(max_abs_diff(&fused, &after) < 1e-6);
        let f32_path = l.forward_gelu(&x, Precision::F32).unwrap();
        assert!(
            max_abs_diff(
                &f32_path,
                &gelu(&l.forward(&x, Precision::F32).unwrap()).unwrap()
            ) == 0.0
        );
    }

    #[test]
    fn packed_int8_inference_is_close_to_f32_and_fuses_gelu() {
        if !int8::available() {
            eprintln!("skipped: this CPU runs no int8 kernel");
            return;
        }
        let (l, x) = layer(false);
        let q = l.forward(&x, Precision::Int8).unwrap();
        let f = l.forward(&x, Precision::F32).unwrap();
        let d = max_abs_diff(&q, &f);
        // Steps of max|x|/127 ≈ 0.03 and max|w|/127 ≈ 0.003 over 50 terms of
        // |x| ≈ 1, |w| ≈ 0.1: errors of about 0.01 on outputs of about 0.7.
        assert!(d < 0.05 && d > 0.0, "int8 forward differs by {d}");
        let fused = l.forward_gelu(&x, Precision::Int8).unwrap();
        assert!(max_abs_diff(&fused, &gelu(&q).unwrap()) < 1e-6);
        // On trainable weights int8 is not used: gradients flow as in bf16/f32.
        let (t, x) = layer(true);
        let x = Var::from_tensor(&x).unwrap();
        let y = t.forward(x.as_tensor(), Precision::Int8).unwrap();
        let g = y.sum_all().unwrap().backward().unwrap();
        assert!(g.get(&t.weight).is_some() && g.get(x.as_tensor()).is_some());
    }
}
