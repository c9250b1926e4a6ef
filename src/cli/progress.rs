//! A progress indicator on stderr for work that takes longer than a second,
//! so that someone at a terminal sees the scan is alive. It is never drawn in
//! machine formats, to a pipe or a CI log, or with `--quiet`, and it erases
//! itself before the report is printed.

use std::io::{IsTerminal, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long work runs before the indicator appears.
const DELAY: Duration = Duration::from_secs(1);
/// How often it is redrawn.
const INTERVAL: Duration = Duration::from_millis(120);
const FRAMES: [char; 4] = ['|', '/', '-', '\\'];

/// A running indicator; dropping it (or [`Progress::finish`]) stops and erases it.
pub struct Progress {
    stop: Option<mpsc::Sender<()>>,
    drawer: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts an indicator for `label` when `wanted` and stderr is a terminal.
    pub fn start(label: &str, wanted: bool) -> Progress {
        if !wanted || !std::io::stderr().is_terminal() {
            return Progress::none();
        }
        Progress::start_with(label, DELAY, INTERVAL, Box::new(std::io::stderr()))
    }

    /// An indicator that draws nothing.
    pub fn none() -> Progress {
        Progress {
            stop: None,
            drawer: None,
        }
    }

    /// Draws to `out` after `delay`, every `interval`, until stopped.
    fn start_with(label: &str, delay: Duration, interval: Duration, mut out: Box<dyn Write + Send>) -> Progress {
        let (stop, stopped) = mpsc::channel::<()>();
        let label = label.to_string();
        let started = Instant::now();
        let drawer = std::thread::spawn(move || {
            if !matches!(stopped.recv_timeout(delay), Err(RecvTimeoutError::Timeout)) {
                return; // finished before anyone could wait for it
            }
            let mut frame = 0;
            loop {
                let elapsed = started.elapsed().as_secs();
                let _ = write!(out, "\r\x1b[2K{} {label} ({elapsed}s)", FRAMES[frame % FRAMES.len()]);
                let _ = out.flush();
                frame += 1;
                if !matches!(stopped.recv_timeout(interval), Err(RecvTimeoutError::Timeout)) {
                    break;
                }
            }
            let _ = write!(out, "\r\x1b[2K");
            let _ = out.flush();
        });
        Progress {
            stop: Some(stop),
            drawer: Some(drawer),
        }
    }

    /// Stops the indicator and erases it.
    pub fn finish(mut self) {
        self.stop_drawing();
    }

    fn stop_drawing(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(drawer) = self.drawer.take() {
            let _ = drawer.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop_drawing();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn work_that_ends_before_the_delay_draws_nothing() {
        let out = Shared::default();
        let progress = Progress::start_with("scanning", Duration::from_secs(60), INTERVAL, Box::new(out.clone()));
        progress.finish();
        assert!(out.0.lock().unwrap().is_empty());
    }

    #[test]
    fn longer_work_is_shown_and_erased_at_the_end() {
        let out = Shared::default();
        let progress = Progress::start_with(
            "scanning",
            Duration::ZERO,
            Duration::from_millis(5),
            Box::new(out.clone()),
        );
        // Wait for a first frame rather than for a fixed time.
        while !String::from_utf8_lossy(&out.0.lock().unwrap()).contains("scanning") {
            std::thread::yield_now();
        }
        progress.finish();
        let drawn = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(drawn.starts_with("\r\u{1b}[2K| scanning ("), "{drawn:?}");
        assert!(
            drawn.ends_with("\r\u{1b}[2K"),
            "the last thing drawn erases the line: {drawn:?}"
        );
    }
}
