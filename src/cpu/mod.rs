//! Runtime CPU dispatch for the hand-written loops (softmax, GELU, layer norm,
//! packing, AdamW). The crate is built for baseline x86-64 so that the binary
//! runs anywhere; [`vectorised`] re-compiles a closure with AVX-512 enabled and
//! runs that copy when the CPU has it. (The matrix products dispatch on their own:
//! gemm's `x86-v4` feature and [`super::bf16`].)

/// Whether this CPU has the AVX-512 subsets the loops are compiled for.
pub fn avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        has!("avx512f") && has!("avx512bw") && has!("avx512dq") && has!("avx512vl") && has!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Runs `f`, inlined into a copy compiled for AVX-512 when [`avx512`] holds.
/// Call it inside parallel tasks (around the loop itself), not around them:
/// only code inlined into `f` gets the wider vectors.
#[inline(always)]
pub fn vectorised<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if avx512() {
            // SAFETY: the features were detected above.
            return unsafe { with_avx512(f) };
        }
    }
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
#[inline]
unsafe fn with_avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}
