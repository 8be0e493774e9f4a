//! The pipeline's state machine, as one enum and one pure transition function, so every rule
//! about what may follow what is in one place and testable without tasks or devices.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where the voice pipeline is. Exactly one of these at any time; there are no flags beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum State {
    /// Waiting for the hotkey, the Talk button or a typed request.
    Idle,
    /// Recording the person's voice.
    Listening,
    /// Turning the recording into text.
    Transcribing,
    /// Routing the text and waiting for the agent (or typing dictated text).
    Thinking,
    /// Playing the spoken reply.
    Speaking,
    /// The last utterance failed; the reason is shown until the next one starts or it is dismissed.
    Error(String),
}

impl State {
    /// A short name for logs and the tray icon.
    pub fn name(&self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Listening => "listening",
            State::Transcribing => "transcribing",
            State::Thinking => "thinking",
            State::Speaking => "speaking",
            State::Error(_) => "error",
        }
    }

    /// True while an utterance is being handled (anything but idle or error).
    pub fn is_busy(&self) -> bool {
        !matches!(self, State::Idle | State::Error(_))
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            State::Error(reason) => write!(f, "error: {reason}"),
            other => f.write_str(other.name()),
        }
    }
}

/// Something that happened which may move the pipeline: a person's action or a stage's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Start recording (hotkey, Talk button). Also cuts a reply being spoken (barge-in) and
    /// replaces a shown error.
    Listen,
    /// The recording ended (key released, or voice-activity detection heard the end).
    RecordingEnded,
    /// Typed text skips recording and transcription (`tonny ask`, the UI's text box).
    Typed,
    /// The transcript is ready; routing and the agent come next.
    Transcribed,
    /// The recording held no speech (or an empty transcript): nothing to do.
    NothingHeard,
    /// The reply (or dictated text) was delivered; `spoken` says whether audio plays next.
    Replied {
        /// Whether a spoken reply starts playing now.
        spoken: bool,
    },
    /// The spoken reply finished playing (or was stopped).
    SpeechFinished,
    /// A stage failed; the pipeline shows the reason.
    Failed(String),
    /// The person cancelled: stop whatever is happening and go back to idle.
    Cancel,
    /// The person dismissed the shown error.
    Dismiss,
}

impl Step {
    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Step::Listen => "listen",
            Step::RecordingEnded => "recording ended",
            Step::Typed => "typed request",
            Step::Transcribed => "transcribed",
            Step::NothingHeard => "nothing heard",
            Step::Replied { .. } => "replied",
            Step::SpeechFinished => "speech finished",
            Step::Failed(_) => "failed",
            Step::Cancel => "cancel",
            Step::Dismiss => "dismiss",
        }
    }
}

/// A step that does not apply in the current state, with the reason (for the log and the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{step}' does not apply while {state}: {why}")]
pub struct Rejected {
    /// The state the pipeline stayed in.
    pub state: &'static str,
    /// The step that was refused.
    pub step: &'static str,
    /// Why, in words a log reader understands.
    pub why: &'static str,
}

impl State {
    /// The state after `step`, or why the step does not apply. Pure: the coordinator calls it and
    /// publishes the change; nothing else decides transitions.
    pub fn after(&self, step: &Step) -> Result<State, Rejected> {
        use State as S;
        use Step as E;
        let reject = |why| {
            Err(Rejected {
                state: self.name(),
                step: step.name(),
                why,
            })
        };
        match (self, step) {
            // Anything can fail or be cancelled.
            (_, E::Failed(reason)) => Ok(S::Error(reason.clone())),
            (_, E::Cancel) => Ok(S::Idle),

            (S::Idle | S::Error(_) | S::Speaking, E::Listen) => Ok(S::Listening),
            (S::Idle | S::Error(_) | S::Speaking, E::Typed) => Ok(S::Thinking),
            (S::Listening | S::Transcribing | S::Thinking, E::Listen | E::Typed) => {
                reject("an utterance is already being handled; cancel it first")
            }

            (S::Listening, E::RecordingEnded) => Ok(S::Transcribing),
            (_, E::RecordingEnded) => reject("nothing is being recorded"),

            (S::Transcribing, E::Transcribed) => Ok(S::Thinking),
            (_, E::Transcribed) => reject("no recording is being transcribed"),

            (S::Listening | S::Transcribing, E::NothingHeard) => Ok(S::Idle),
            (_, E::NothingHeard) => reject("no recording is in progress"),

            (S::Thinking, E::Replied { spoken: true }) => Ok(S::Speaking),
            (S::Thinking, E::Replied { spoken: false }) => Ok(S::Idle),
            (_, E::Replied { .. }) => reject("no request is waiting for a reply"),

            (S::Speaking, E::SpeechFinished) => Ok(S::Idle),
            (_, E::SpeechFinished) => reject("nothing is being spoken"),

            (S::Error(_), E::Dismiss) => Ok(S::Idle),
            (_, E::Dismiss) => reject("there is no error to dismiss"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_states() -> Vec<State> {
        vec![
            State::Idle,
            State::Listening,
            State::Transcribing,
            State::Thinking,
            State::Speaking,
            State::Error("mic unplugged".into()),
        ]
    }

    fn all_steps() -> Vec<Step> {
        vec![
            Step::Listen,
            Step::RecordingEnded,
            Step::Typed,
            Step::Transcribed,
            Step::NothingHeard,
            Step::Replied { spoken: true },
            Step::Replied { spoken: false },
            Step::SpeechFinished,
            Step::Failed("boom".into()),
            Step::Cancel,
            Step::Dismiss,
        ]
    }

    fn run(steps: &[Step]) -> Result<State, Rejected> {
        steps.iter().try_fold(State::Idle, |s, step| s.after(step))
    }

    #[test]
    fn a_spoken_request_goes_round_the_whole_cycle() {
        let path = [
            Step::Listen,
            Step::RecordingEnded,
            Step::Transcribed,
            Step::Replied { spoken: true },
            Step::SpeechFinished,
        ];
        let mut s = State::Idle;
        let mut seen = vec![s.name()];
        for step in &path {
            s = s.after(step).unwrap();
            seen.push(s.name());
        }
        assert_eq!(
            seen,
            [
                "idle",
                "listening",
                "transcribing",
                "thinking",
                "speaking",
                "idle"
            ]
        );
    }

    #[test]
    fn dictation_and_typed_requests_take_the_short_paths() {
        let dictated = run(&[
            Step::Listen,
            Step::RecordingEnded,
            Step::Transcribed,
            Step::Replied { spoken: false },
        ]);
        assert_eq!(dictated, Ok(State::Idle));
        assert_eq!(run(&[Step::Typed]), Ok(State::Thinking));
        assert_eq!(
            run(&[Step::Listen, Step::RecordingEnded, Step::NothingHeard]),
            Ok(State::Idle)
        );
    }

    #[test]
    fn a_second_talk_press_mid_utterance_is_refused_with_a_reason() {
        let err = run(&[Step::Listen, Step::Listen]).unwrap_err();
        assert_eq!(err.state, "listening");
        assert!(err.to_string().contains("cancel it first"), "{err}");
        // But talking over a spoken reply cuts it (barge-in).
        assert_eq!(
            run(&[Step::Typed, Step::Replied { spoken: true }, Step::Listen]),
            Ok(State::Listening)
        );
    }

    #[test]
    fn failure_and_cancel_apply_in_every_state_and_errors_clear() {
        for s in all_states() {
            assert_eq!(
                s.after(&Step::Failed("x".into())),
                Ok(State::Error("x".into()))
            );
            assert_eq!(s.after(&Step::Cancel), Ok(State::Idle));
        }
        let failed = run(&[Step::Listen, Step::Failed("mic unplugged".into())]).unwrap();
        assert_eq!(failed.to_string(), "error: mic unplugged");
        assert_eq!(failed.after(&Step::Dismiss), Ok(State::Idle));
        assert_eq!(failed.after(&Step::Listen), Ok(State::Listening));
    }

    #[test]
    fn every_state_and_step_pair_has_an_answer_and_stage_results_need_their_stage() {
        // Stage results are accepted only in the one state that waits for them.
        let waits_for = |step: &Step| -> Vec<&'static str> {
            match step {
                Step::RecordingEnded => vec!["listening"],
                Step::Transcribed => vec!["transcribing"],
                Step::NothingHeard => vec!["listening", "transcribing"],
                Step::Replied { .. } => vec!["thinking"],
                Step::SpeechFinished => vec!["speaking"],
                Step::Dismiss => vec!["error"],
                Step::Listen | Step::Typed => vec!["idle", "speaking", "error"],
                Step::Failed(_) | Step::Cancel => all_states().iter().map(State::name).collect(),
            }
        };
        for s in all_states() {
            for step in all_steps() {
                let accepted = s.after(&step).is_ok();
                assert_eq!(
                    accepted,
                    waits_for(&step).contains(&s.name()),
                    "{} after {}",
                    step.name(),
                    s.name()
                );
            }
        }
    }
}
