//! Live text through the worker: a recording streamed to `tonny stt-worker` while it is made,
//! partial lines read back on a thread of their own, and the whole recording sent at the end
//! for the transcript that counts.
//!
//! The session borrows the worker for the recording (other requests wait, as the engine runs
//! one at a time anyway) and gives it back when it finishes. A worker that dies during the
//! session costs only the live text: the recording is transcribed by a new worker, so nothing
//! said is lost; a session dropped unfinished (the recording was cancelled) ends its worker,
//! whose place in the protocol is then unknown, and the next request starts another.

use std::io::{self, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout};
use std::sync::Arc;
use std::thread::JoinHandle;

use tonny_core::stt::{PartialSink, SttError, SttSession, TranscribeOptions, Transcript};

use super::{Inner, Part, Reply, Running, read_reply, request_bytes};

/// What the reading thread hands back: the session's last reply and the worker's stdout.
type Reading = (io::Result<Reply>, BufReader<ChildStdout>);

/// A recording being streamed to the worker.
pub(super) struct WorkerSession {
    inner: Arc<Inner>,
    opts: TranscribeOptions,
    /// The borrowed worker, until the session ends.
    worker: Option<(Child, ChildStdin)>,
    reading: Option<JoinHandle<Reading>>,
    /// A write failed: the worker is gone, the recording goes to a new one at the end.
    broken: bool,
}

impl WorkerSession {
    /// Borrows the idle worker and opens a session on it; `None` (no live text, the recording
    /// is transcribed afterwards) when no worker runs or another session has it.
    pub(super) fn start(
        inner: Arc<Inner>,
        opts: &TranscribeOptions,
        partial: PartialSink,
    ) -> Option<Self> {
        let Running {
            child,
            mut stdin,
            mut stdout,
        } = {
            let mut slot = super::lock(&inner.slot);
            if slot.lent {
                return None;
            }
            let running = slot.running.take()?;
            slot.lent = true;
            running
        };
        let opened = request_bytes(&[], opts, Part::Start)
            .and_then(|bytes| stdin.write_all(&bytes))
            .and_then(|()| stdin.flush());
        if let Err(e) = opened {
            tracing::warn!(
                component = "stt",
                "the speech worker took no live session: {e}"
            );
            let gone = Running {
                child,
                stdin,
                stdout,
            };
            gone.stop();
            inner.give_back(None);
            return None;
        }
        let reading = std::thread::Builder::new()
            .name("tonny-worker-live".into())
            .spawn(move || {
                loop {
                    match read_reply(&mut stdout) {
                        Ok(Reply::Partial(p)) => partial(&p),
                        other => return (other, stdout),
                    }
                }
            })
            .ok();
        Some(Self {
            inner,
            opts: opts.clone(),
            worker: Some((child, stdin)),
            reading,
            broken: false,
        })
    }

    fn send(&mut self, audio: &[f32], part: Part) {
        let Some((_, stdin)) = self.worker.as_mut() else {
            return;
        };
        if self.broken {
            return;
        }
        let sent = request_bytes(audio, &self.opts, part)
            .and_then(|bytes| stdin.write_all(&bytes))
            .and_then(|()| stdin.flush());
        if let Err(e) = sent {
            tracing::warn!(
                component = "stt",
                "the speech worker stopped taking audio: {e}"
            );
            self.broken = true;
        }
    }

    /// Ends the worker (it is gone, or mid-session with nobody to finish it) and frees the slot.
    fn end_worker(&mut self) {
        if let Some((mut child, stdin)) = self.worker.take() {
            drop(stdin);
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(r) = self.reading.take() {
            let _ = r.join();
        }
        self.inner.give_back(None);
    }
}

impl SttSession for WorkerSession {
    fn push(&mut self, audio: &[f32]) {
        self.send(audio, Part::Chunk);
    }

    fn finish(mut self: Box<Self>, recorded: &[f32]) -> Result<Transcript, SttError> {
        self.send(recorded, Part::Finish);
        let reply = match (self.broken, self.reading.take()) {
            (false, Some(reading)) => reading.join().ok(),
            _ => None,
        };
        let answer = match reply {
            Some((Ok(Reply::Transcript(t)), stdout)) => Some((Ok(t), stdout)),
            Some((Ok(Reply::Failed(f)), stdout)) => Some((Err(f.into_error()), stdout)),
            _ => None,
        };
        match answer {
            Some((answer, stdout)) => {
                let (child, stdin) = self.worker.take().expect("held until now");
                self.inner.give_back(Some(Running {
                    child,
                    stdin,
                    stdout,
                }));
                answer
            }
            None => {
                // The worker died: the live text ends here, the recording does not.
                tracing::warn!(
                    component = "stt",
                    "the speech worker stopped during a recording; a new one transcribes it"
                );
                self.end_worker();
                self.inner.transcribe(recorded, &self.opts)
            }
        }
    }
}

impl Drop for WorkerSession {
    fn drop(&mut self) {
        if self.worker.is_some() {
            self.end_worker();
        }
    }
}
