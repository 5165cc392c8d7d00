//! Direct access to the `f32` data of CPU tensors, for the fused ops and AdamW.

use candle_core::{CpuStorage, Layout, Result, Storage, Tensor};

/// The contiguous `f32` slice of a CPU storage under `layout`.
pub fn f32_slice<'a>(storage: &'a CpuStorage, layout: &Layout, op: &str) -> Result<&'a [f32]> {
    let CpuStorage::F32(data) = storage else {
        candle_core::bail!("{op}: expects f32 tensors")
    };
    match layout.contiguous_offsets() {
        Some((a, b)) => Ok(&data[a..b]),
        None => candle_core::bail!("{op}: expects contiguous tensors"),
    }
}

/// Runs `f` over the contiguous `f32` data of a CPU tensor (copying only if it is strided).
pub fn with_f32<R>(t: &Tensor, f: impl FnOnce(&[f32]) -> R) -> Result<R> {
    let t = if t.is_contiguous() {
        t.clone()
    } else {
        t.contiguous()?
    };
    let (storage, layout) = t.storage_and_layout();
    match &*storage {
        Storage::Cpu(s) => Ok(f(f32_slice(s, layout, "with_f32")?)),
        _ => candle_core::bail!("with_f32: expects a CPU tensor"),
    }
}

/// A raw output pointer that parallel tasks share, each writing a disjoint
/// block (the caller's SAFETY comment says which).
pub(crate) struct SendPtr(pub(crate) *mut f32);
// SAFETY: only the pointer is shared; callers guarantee disjoint writes.
unsafe impl Sync for SendPtr {}
unsafe impl Send for SendPtr {}

/// Largest absolute elementwise difference of two tensors (tests of the fused ops).
#[cfg(test)]
pub(crate) fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    let d = (a - b)
        .and_then(|d| d.abs())
        .and_then(|d| d.flatten_all())
        .and_then(|d| d.max(0));
    d.and_then(|d| d.to_scalar::<f32>()).expect("same shapes")
}
