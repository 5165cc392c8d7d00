//! The `conflict-ner` command: a thin shell over the library.

mod cli;

use std::process::ExitCode;

use mimalloc::MiMalloc;

// Fresh-page zeroing in the system allocator cost up to a third of training time.
#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

/// mimalloc's `purge_delay` option (mimalloc.h, v2): -1 keeps freed pages mapped.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Training frees and reallocates the same large buffers every step; returning
    // them to the OS made the kernel zero fresh pages for a fifth of the run time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    // candle's elementwise thread pool spin-waits against rayon's (used by gemm and
    // our fused ops); on a 2-core machine one candle thread ran training 2-3x faster.
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        std::env::set_var("CANDLE_NUM_THREADS", "1");
    }
    let args = cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed stdout (`| head -n 1`) is the reader's choice, not a failure.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let mut msg = format!("error: {err}");
            for cause in err.chain().skip(1) {
                // Library errors already show their source inline; print each text once.
                let text = cause.to_string();
                if !msg.contains(&text) {
                    msg.push_str(&format!("\n  caused by: {text}"));
                }
            }
            eprintln!("{msg}");
            // An interrupted training run exits as interrupted programs do (128 + SIGINT).
            let interrupted = err.chain().any(|c| {
                matches!(
                    c.downcast_ref::<conflict_ner::Error>(),
                    Some(conflict_ner::Error::Interrupted { .. })
                )
            });
            ExitCode::from(if interrupted { 130 } else { 1 })
        }
    }
}

/// Whether an error comes from writing to a closed pipe.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}
