//! The bottom layer: run-time CPU dispatch and direct access to CPU tensor data,
//! used by `model`, `optim` and the fused ops. Nothing here imports from above.
//!
//! The crate is built for baseline x86-64 so that one binary runs anywhere;
//! [`vectorised`] compiles a closure three times (AVX-512, AVX2 + FMA, baseline)
//! and runs the copy for this CPU's [`tier`]. The environment variable
//! `CONFLICT_NER_CPU` (`avx512`, `avx2` or `baseline`) caps the tier, so a
//! machine can run, test and benchmark the lower tiers' code; it never raises
//! the tier above what the CPU has. (gemm's f32 products dispatch on their own.)

pub mod storage;

use std::sync::OnceLock;

/// A family of x86-64 instruction sets that the hand-written loops are compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// Baseline x86-64 (SSE2), or any other architecture.
    Baseline,
    /// AVX2 with FMA (x86-64-v3: AMD Zen 1-3, Intel Haswell and later).
    Avx2,
    /// AVX-512 F/BW/DQ/VL (x86-64-v4: AMD Zen 4, Intel Skylake-SP and later).
    Avx512,
}

impl Tier {
    /// `avx512`, `avx2` or `baseline`: the names `CONFLICT_NER_CPU` takes.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Baseline => "baseline",
            Tier::Avx2 => "avx2",
            Tier::Avx512 => "avx512",
        }
    }

    /// Parses a name of [`Tier::name`].
    pub fn parse(s: &str) -> Option<Tier> {
        match s.trim().to_ascii_lowercase().as_str() {
            "baseline" => Some(Tier::Baseline),
            "avx2" => Some(Tier::Avx2),
            "avx512" => Some(Tier::Avx512),
            _ => None,
        }
    }

    /// Every tier this CPU can run, lowest first.
    pub fn supported() -> Vec<Tier> {
        [Tier::Baseline, Tier::Avx2, Tier::Avx512]
            .into_iter()
            .filter(|t| *t <= detected())
            .collect()
    }
}

/// The highest tier this CPU has (checked once).
pub fn detected() -> Tier {
    static T: OnceLock<Tier> = OnceLock::new();
    *T.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            let v3 = has!("avx2") && has!("fma") && has!("bmi1") && has!("bmi2");
            let v4 = has!("avx512f") && has!("avx512bw") && has!("avx512dq") && has!("avx512vl");
            if v3 && v4 {
                return Tier::Avx512;
            }
            if v3 {
                return Tier::Avx2;
            }
        }
        Tier::Baseline
    })
}

/// The value of `CONFLICT_NER_CPU`, if set: `Ok(None)` when unset, an error
/// naming the value when it is not a tier name.
pub fn cap_from_env() -> Result<Option<Tier>, String> {
    match std::env::var("CONFLICT_NER_CPU") {
        Err(_) => Ok(None),
        Ok(v) if v.is_empty() => Ok(None),
        Ok(v) => Tier::parse(&v).map(Some).ok_or_else(|| {
            format!("CONFLICT_NER_CPU={v:?} is not a CPU tier (expected avx512, avx2 or baseline)")
        }),
    }
}

/// The tier the loops run at: [`detected`], capped by `CONFLICT_NER_CPU`
/// (read once; an invalid value is ignored here, and reported by the CLI).
pub fn tier() -> Tier {
    static T: OnceLock<Tier> = OnceLock::new();
    *T.get_or_init(|| match cap_from_env() {
        Ok(Some(cap)) => cap.min(detected()),
        _ => detected(),
    })
}

/// Runs `f`, inlined into the copy compiled for this CPU's [`tier`].
/// Call it inside parallel tasks (around the loop itself), not around them:
/// only code inlined into `f` gets the wider vectors.
#[inline(always)]
pub fn vectorised<R>(f: impl FnOnce() -> R) -> R {
    vectorised_on(tier(), f)
}

/// Runs `f` in the copy compiled for `tier`, or for the highest tier below it
/// that this CPU has (tests use it to run every copy on one machine).
#[inline(always)]
pub fn vectorised_on<R>(tier: Tier, f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        let tier = tier.min(detected());
        // SAFETY: `tier` is at most what the CPU was detected to support.
        match tier {
            Tier::Avx512 => return unsafe { with_avx512(f) },
            Tier::Avx2 => return unsafe { with_avx2(f) },
            Tier::Baseline => {}
        }
    }
    let _ = tier;
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
#[inline]
unsafe fn with_avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
#[inline]
unsafe fn with_avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_parse_and_order() {
        for t in [Tier::Baseline, Tier::Avx2, Tier::Avx512] {
            assert_eq!(Tier::parse(t.name()), Some(t));
        }
        assert_eq!(Tier::parse("AVX2"), Some(Tier::Avx2));
        assert_eq!(Tier::parse("sse9"), None);
        assert!(Tier::Baseline < Tier::Avx2 && Tier::Avx2 < Tier::Avx512);
        assert!(tier() <= detected());
        assert_eq!(Tier::supported()[0], Tier::Baseline);
        assert_eq!(*Tier::supported().last().unwrap(), detected());
    }

    #[test]
    fn every_copy_computes_the_same_loop() {
        let xs: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin()).collect();
        let sums: Vec<f32> = [Tier::Baseline, Tier::Avx2, Tier::Avx512]
            .into_iter()
            .map(|t| vectorised_on(t, || xs.iter().map(|x| x * x).sum::<f32>()))
            .collect();
        assert!(sums.iter().all(|s| *s == sums[0]), "{sums:?}");
    }
}
