//! The speech worker: the embedded engine in a process of its own, spoken to over pipes.
//!
//! Why a process: CTranslate2 and oneDNN are large C++ libraries whose static initialisers
//! fault in about 14 MB of code when a program starts, whether or not a model is ever loaded.
//! The tray, which must stay small while it idles, does not link them; it starts the worker
//! (`tonny stt-worker`) the first time it needs to hear something. A crash inside the engine
//! then ends the worker, not the tray, and the next request starts a new one.
//!
//! # Protocol
//! Both ends are ours and one request is in flight at a time, over the worker's stdin/stdout:
//! 1. The worker loads the model and writes one [`Hello`] line: ready (with the engine's name)
//!    or failed (with the reason, e.g. a missing model file).
//! 2. Each request is one [`Request`] JSON line, followed by `samples` little-endian `f32`
//!    (16 kHz mono). The worker answers with one [`Reply`] line.
//! 3. Live text: a request whose `part` is `start` (no samples) opens a session with its
//!    options; `chunk` requests carry the audio as it is recorded (no answer); while they
//!    arrive the worker may write [`Reply::Partial`] lines at any time. `finish` carries the
//!    whole recording and is answered like a plain request (see [`session`]).
//! 4. When its stdin ends (the tray quit or died), the worker exits.
//!
//! The framing is written here rather than taken from an RPC crate on purpose: JSON lines carry
//! the small messages, and the audio goes as raw samples (a 10 s recording is 640 kB; as JSON
//! numbers it would be several times larger and slower to parse). An RPC crate would add a
//! runtime and a schema language to a loop of about forty lines.

use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};
use tonny_core::stt::{
    PartialSink, PartialTranscript, SAMPLE_RATE, Stt, SttError, SttSession, TranscribeOptions,
    Transcript,
};

mod session;

/// The longest recording one request may carry: an hour (230 MB of samples). A longer one is
/// refused before it is sent, and a worker never allocates more than this for one request.
pub const MAX_SAMPLES: usize = SAMPLE_RATE as usize * 60 * 60;

/// The worker's first line: the model is loaded, or why it is not.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hello {
    /// Ready for requests; `name` is the engine's own ([`Stt::name`]).
    Ready {
        /// What the engine calls itself ("embedded whisper tiny.en (int8, 2 threads)").
        name: String,
    },
    /// The model could not be loaded; the worker exits after saying so.
    Failed(Failure),
}

/// A request's header line; the samples follow it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Request {
    /// How many `f32` samples follow.
    pub samples: usize,
    /// [`TranscribeOptions::language`].
    pub language: Option<String>,
    /// [`TranscribeOptions::beam_size`].
    pub beam_size: usize,
    /// [`TranscribeOptions::vocabulary`] (absent from older callers: none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vocabulary: Vec<String>,
    /// A whole recording, or a part of a live session.
    #[serde(default, skip_serializing_if = "Part::is_whole")]
    pub part: Part,
}

/// What a [`Request`] is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// A whole recording to transcribe; answered with one reply.
    #[default]
    Whole,
    /// Opens a live session with the request's options (no samples, no answer); partial
    /// text follows as it is decoded.
    Start,
    /// Audio of the open session as it is recorded (no answer).
    Chunk,
    /// Ends the session: the samples are the whole recording; answered with its transcript.
    Finish,
}

impl Part {
    fn is_whole(&self) -> bool {
        *self == Part::Whole
    }
}

/// The worker's answer to one request.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    /// What was said.
    Transcript(Transcript),
    /// Live text during a session (any number, before the session's transcript).
    Partial(PartialTranscript),
    /// Why it could not be transcribed.
    Failed(Failure),
}

/// An engine error carried across the pipe: its kind (so the tray reacts as it would to the
/// engine in-process) and its message for a person.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failure {
    /// Which [`SttError`] it was.
    pub kind: FailureKind,
    /// Its message.
    pub message: String,
}

/// The [`SttError`] variants, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// [`SttError::Model`].
    Model,
    /// [`SttError::Audio`].
    Audio,
    /// [`SttError::Engine`].
    Engine,
    /// [`SttError::Unavailable`].
    Unavailable,
}

impl From<&SttError> for Failure {
    fn from(e: &SttError) -> Self {
        let kind = match e {
            SttError::Model(_) => FailureKind::Model,
            SttError::Audio(_) => FailureKind::Audio,
            SttError::Unavailable(_) => FailureKind::Unavailable,
            _ => FailureKind::Engine,
        };
        Self {
            kind,
            message: e.to_string(),
        }
    }
}

impl Failure {
    /// The error it stands for, with the worker's message.
    pub fn into_error(self) -> SttError {
        let message = Box::new(WorkerMessage(self.message));
        match self.kind {
            FailureKind::Model => SttError::Model(message),
            FailureKind::Audio => SttError::Audio(message),
            FailureKind::Engine => SttError::Engine(message),
            FailureKind::Unavailable => SttError::Unavailable(message),
        }
    }
}

/// A message about the worker (or from it), as an error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct WorkerMessage(String);

fn engine_error(message: String) -> SttError {
    SttError::Engine(Box::new(WorkerMessage(message)))
}

fn write_line<T: Serialize>(out: &mut impl Write, message: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, message)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The worker's side: says whether the engine loaded, then answers requests from `input` on
/// `output` until `input` ends. Returns an error only when a pipe fails or a request is not
/// in this protocol (the two ends could no longer agree where a message starts).
pub fn serve(
    engine: Result<&dyn Stt, SttError>,
    input: impl Read,
    output: impl Write + Send + 'static,
) -> io::Result<()> {
    // Shared with a live session's decoding thread, which writes partial lines.
    let output = Arc::new(Mutex::new(output));
    let say = |message: &Reply| write_line(&mut *lock(&output), message);
    let engine = match engine {
        Ok(e) => {
            write_line(&mut *lock(&output), &Hello::Ready { name: e.name() })?;
            e
        }
        Err(why) => return write_line(&mut *lock(&output), &Hello::Failed(Failure::from(&why))),
    };
    let mut input = BufReader::new(input);
    let mut live: Option<Box<dyn SttSession>> = None;
    while let Some(request) = read_request(&mut input)? {
        let Some(audio) = read_samples(&mut input, request.samples)? else {
            let failure = Failure {
                kind: FailureKind::Audio,
                message: "the recording is longer than an hour; split it".into(),
            };
            say(&Reply::Failed(failure))?;
            continue;
        };
        let opts = TranscribeOptions {
            language: request.language,
            beam_size: request.beam_size,
            vocabulary: request.vocabulary,
        };
        let result = match request.part {
            Part::Start => {
                let sink = Arc::clone(&output);
                live = engine.start_session(
                    &opts,
                    Box::new(move |p: &PartialTranscript| {
                        let _ = write_line(&mut *lock(&sink), &Reply::Partial(p.clone()));
                    }),
                );
                continue;
            }
            Part::Chunk => {
                if let Some(s) = live.as_mut() {
                    s.push(&audio);
                }
                continue;
            }
            Part::Finish => match live.take() {
                Some(s) => s.finish(&audio),
                None => engine.transcribe(&audio, &opts),
            },
            Part::Whole => engine.transcribe(&audio, &opts),
        };
        say(&match result {
            Ok(t) => Reply::Transcript(t),
            Err(e) => Reply::Failed(Failure::from(&e)),
        })?;
    }
    Ok(())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The next request's header, or `None` when the input has ended.
fn read_request(input: &mut impl BufRead) -> io::Result<Option<Request>> {
    let mut header = String::new();
    if input.read_line(&mut header)? == 0 {
        return Ok(None);
    }
    serde_json::from_str(&header).map(Some).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a request the speech worker cannot read ({e})"),
        )
    })
}

/// A request's samples; `None` (the samples skipped, so the next request still starts where it
/// should) when there are more than [`MAX_SAMPLES`].
fn read_samples(input: &mut impl Read, samples: usize) -> io::Result<Option<Vec<f32>>> {
    if samples > MAX_SAMPLES {
        io::copy(&mut input.take(samples as u64 * 4), &mut io::sink())?;
        return Ok(None);
    }
    let mut bytes = vec![0u8; samples * 4];
    input.read_exact(&mut bytes)?;
    Ok(Some(
        bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
    ))
}

/// A request's header line and samples, as sent.
fn request_bytes(audio: &[f32], opts: &TranscribeOptions, part: Part) -> io::Result<Vec<u8>> {
    let request = Request {
        samples: audio.len(),
        language: opts.language.clone(),
        beam_size: opts.beam_size,
        vocabulary: opts.vocabulary.clone(),
        part,
    };
    let mut bytes = serde_json::to_vec(&request)?;
    bytes.push(b'\n');
    bytes.reserve(audio.len() * 4);
    for s in audio {
        bytes.extend_from_slice(&s.to_le_bytes());
    }
    Ok(bytes)
}

/// How to start the worker: a program and its arguments (`tonny stt-worker --model-dir …`).
#[derive(Debug, Clone)]
pub struct WorkerCommand {
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
}

/// A worker that is running, and its pipes.
struct Running {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Running {
    /// Starts the worker and waits until it has loaded the model (or said why it could not).
    fn start(command: &WorkerCommand) -> Result<(Self, String), SttError> {
        let program = command.program.display();
        let mut child = Command::new(&command.program)
            .args(&command.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                let why = if e.kind() == io::ErrorKind::NotFound {
                    "it does not exist (the speech engine runs in the `tonny` program, which \
                     belongs next to this one or on PATH)"
                        .to_owned()
                } else {
                    e.to_string()
                };
                SttError::Unavailable(Box::new(WorkerMessage(format!(
                    "the speech worker {program} could not be started: {why}"
                ))))
            })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            unreachable!("both pipes were asked for");
        };
        let mut running = Self {
            child,
            stdin,
            stdout: BufReader::new(stdout),
        };
        let mut line = String::new();
        let read = running.stdout.read_line(&mut line);
        match (read, serde_json::from_str::<Hello>(&line)) {
            (Ok(n), Ok(Hello::Ready { name })) if n > 0 => Ok((running, name)),
            (_, Ok(Hello::Failed(failure))) => {
                running.stop();
                Err(failure.into_error())
            }
            _ => {
                let status = running.stop();
                Err(SttError::Unavailable(Box::new(WorkerMessage(format!(
                    "the speech worker {program} ended before it was ready ({status}); its \
                     messages are in the log"
                )))))
            }
        }
    }

    /// Sends one recording and reads the answer; an I/O error means the worker is gone.
    fn exchange(&mut self, audio: &[f32], opts: &TranscribeOptions) -> io::Result<Reply> {
        self.stdin
            .write_all(&request_bytes(audio, opts, Part::Whole)?)?;
        self.stdin.flush()?;
        read_reply(&mut self.stdout)
    }

    /// Ends the worker and says how it ended.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        match self.child.wait() {
            Ok(status) => status.to_string(),
            Err(e) => format!("its end could not be read: {e}"),
        }
    }
}

/// The next line the worker writes; an I/O error means the worker is gone.
fn read_reply(stdout: &mut impl BufRead) -> io::Result<Reply> {
    let mut line = String::new();
    if stdout.read_line(&mut line)? == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    serde_json::from_str(&line).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// The embedded engine in a worker process, behind the [`Stt`] trait, for a program that does
/// not link the engine itself (the tray).
///
/// Requests run one at a time, as the engine runs them anyway. If the worker has died (killed,
/// crashed, out of memory), the request in hand is retried once on a new worker, so a worker
/// killed while idle costs the next request only the model's load time; a second death in a
/// row is reported. The worker ends with this value.
pub struct WorkerStt {
    inner: Arc<Inner>,
}

/// What a [`WorkerStt`] and its live sessions share.
struct Inner {
    command: WorkerCommand,
    name: String,
    slot: Mutex<Slot>,
    /// Signalled when a live session gives the worker back.
    returned: Condvar,
}

/// The worker, when one runs and no live session has it.
struct Slot {
    running: Option<Running>,
    /// A live session has the worker; requests wait for it (one recording at a time).
    lent: bool,
}

impl WorkerStt {
    /// Starts the worker and waits until the model is loaded; a model that cannot be loaded is
    /// reported as the engine would report it.
    pub fn start(command: WorkerCommand) -> Result<Self, SttError> {
        let (running, name) = Running::start(&command)?;
        Ok(Self {
            inner: Arc::new(Inner {
                command,
                name,
                slot: Mutex::new(Slot {
                    running: Some(running),
                    lent: false,
                }),
                returned: Condvar::new(),
            }),
        })
    }

    /// The worker's process id, while one runs (after a live session that has it ends).
    pub fn worker_pid(&self) -> Option<u32> {
        let slot = self.inner.idle_slot();
        slot.running.as_ref().map(|r| r.child.id())
    }
}

impl Inner {
    /// The slot once no live session has the worker.
    fn idle_slot(&self) -> MutexGuard<'_, Slot> {
        let mut slot = lock(&self.slot);
        while slot.lent {
            slot = self
                .returned
                .wait(slot)
                .unwrap_or_else(PoisonError::into_inner);
        }
        slot
    }

    /// Gives the worker back after a live session (`None`: it is gone).
    fn give_back(&self, running: Option<Running>) {
        let mut slot = lock(&self.slot);
        slot.running = running;
        slot.lent = false;
        self.returned.notify_all();
    }

    fn transcribe(&self, audio: &[f32], opts: &TranscribeOptions) -> Result<Transcript, SttError> {
        if audio.len() > MAX_SAMPLES {
            return Err(SttError::Audio(Box::new(WorkerMessage(
                "the recording is longer than an hour; split it".into(),
            ))));
        }
        let mut slot = self.idle_slot();
        let mut ended = String::new();
        for _attempt in 0..2 {
            let running = match slot.running.as_mut() {
                Some(r) => r,
                None => slot.running.insert(Running::start(&self.command)?.0),
            };
            match running.exchange(audio, opts) {
                Ok(Reply::Transcript(t)) => return Ok(t),
                Ok(Reply::Failed(failure)) => return Err(failure.into_error()),
                Ok(Reply::Partial(_)) => {
                    ended = "it sent live text outside a session".into();
                    slot.running.take().map(Running::stop);
                }
                Err(e) => {
                    let gone = slot.running.take().expect("a worker was running");
                    ended = format!("{e}; {}", gone.stop());
                    tracing::warn!(
                        component = "stt",
                        "the speech worker stopped ({ended}); starting a new one"
                    );
                }
            }
        }
        Err(engine_error(format!(
            "the speech worker stopped twice in a row while transcribing ({ended}); its \
             messages are in the log"
        )))
    }
}

impl Stt for WorkerStt {
    fn name(&self) -> String {
        format!("{} in a worker process", self.inner.name)
    }

    fn transcribe(&self, audio: &[f32], opts: &TranscribeOptions) -> Result<Transcript, SttError> {
        self.inner.transcribe(audio, opts)
    }

    fn start_session(
        &self,
        opts: &TranscribeOptions,
        partial: PartialSink,
    ) -> Option<Box<dyn SttSession>> {
        session::WorkerSession::start(Arc::clone(&self.inner), opts, partial)
            .map(|s| Box::new(s) as Box<dyn SttSession>)
    }
}

// On the shared part, not on `WorkerStt`: a live session that outlives its owner (the model
// was unloaded mid-recording) still finishes, and the worker ends after it.
impl Drop for Inner {
    fn drop(&mut self) {
        let slot = self.slot.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some(r) = slot.running.take() {
            r.stop();
        }
    }
}
