//! The coordinator: one task that owns the pipeline's [`State`] and the conversation context.
//! Everyone else sends it steps through a channel and learns what happened from the
//! [`EventBus`]; nothing else holds or changes the state, so there is no lock to get wrong.

use super::context::{ClearReason, Conversation, Turn};
use super::events::{Event, EventBus, UtteranceId};
use super::state::{Rejected, State, Step};
use crate::settings::ConversationSettings;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// Why the coordinator did not take a step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoordinatorError {
    /// The step does not fit the current state.
    #[error(transparent)]
    Rejected(#[from] Rejected),
    /// A result arrived for an utterance that was cancelled or replaced.
    #[error(
        "utterance {utterance} is no longer current (utterance {current} is); its result was ignored"
    )]
    Stale {
        /// The utterance the step named.
        utterance: UtteranceId,
        /// The utterance being handled now.
        current: UtteranceId,
    },
    /// The coordinator task has ended (the app is shutting down).
    #[error("the voice pipeline has stopped")]
    Stopped,
}

type Reply<T> = oneshot::Sender<Result<T, CoordinatorError>>;

// What the handle asks of the task.
enum Command {
    // Listen or Typed: starts a new utterance.
    Start(Step, Reply<UtteranceId>),
    // Any other step; `None` means "the current utterance" (a person's action).
    Step(Option<UtteranceId>, Step, Reply<State>),
    Remember(UtteranceId, Turn, Reply<()>),
    Context(oneshot::Sender<Vec<Turn>>),
    ClearContext(oneshot::Sender<bool>),
    Configure(ConversationSettings, oneshot::Sender<()>),
    State(oneshot::Sender<(UtteranceId, State)>),
}

/// A handle to the coordinator task. Clone it freely; the task ends when the last handle drops.
#[derive(Debug, Clone)]
pub struct Coordinator {
    // Commands to the task; bounded so a runaway producer waits instead of growing memory.
    tx: mpsc::Sender<Command>,
}

impl Coordinator {
    /// Starts the coordinator on the current tokio runtime, publishing to `bus`.
    pub fn spawn(bus: EventBus, conversation: &ConversationSettings) -> Self {
        let (tx, rx) = mpsc::channel(256);
        let task = Task {
            bus,
            state: State::Idle,
            current: 0,
            conversation: Conversation::new(
                conversation.history_length,
                conversation.auto_clear_minutes,
            ),
        };
        tokio::spawn(task.run(rx));
        Self { tx }
    }

    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, CoordinatorError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(make(reply))
            .await
            .map_err(|_| CoordinatorError::Stopped)?;
        answer.await.map_err(|_| CoordinatorError::Stopped)
    }

    /// Starts recording a new utterance (hotkey, Talk button); returns its number.
    pub async fn listen(&self) -> Result<UtteranceId, CoordinatorError> {
        self.ask(|r| Command::Start(Step::Listen, r)).await?
    }

    /// Starts a new utterance from typed text (no recording); returns its number.
    pub async fn typed(&self) -> Result<UtteranceId, CoordinatorError> {
        self.ask(|r| Command::Start(Step::Typed, r)).await?
    }

    /// Reports a stage's result for `utterance`. A result for an utterance that is no longer
    /// current is refused as [`CoordinatorError::Stale`], so a late transcript of a cancelled
    /// recording can never move the pipeline.
    pub async fn step(
        &self,
        utterance: UtteranceId,
        step: Step,
    ) -> Result<State, CoordinatorError> {
        self.ask(|r| Command::Step(Some(utterance), step, r))
            .await?
    }

    /// Stops whatever is happening and returns to idle.
    pub async fn cancel(&self) -> Result<State, CoordinatorError> {
        self.ask(|r| Command::Step(None, Step::Cancel, r)).await?
    }

    /// Clears a shown error.
    pub async fn dismiss(&self) -> Result<State, CoordinatorError> {
        self.ask(|r| Command::Step(None, Step::Dismiss, r)).await?
    }

    /// The current utterance number and state.
    pub async fn state(&self) -> Result<(UtteranceId, State), CoordinatorError> {
        self.ask(Command::State).await
    }

    /// Adds an exchange to the conversation context (ignored as stale if `utterance` is old).
    pub async fn remember(
        &self,
        utterance: UtteranceId,
        turn: Turn,
    ) -> Result<(), CoordinatorError> {
        self.ask(|r| Command::Remember(utterance, turn, r)).await?
    }

    /// The conversation context, oldest turn first, for the agent's prompt.
    pub async fn context(&self) -> Result<Vec<Turn>, CoordinatorError> {
        self.ask(Command::Context).await
    }

    /// Forgets the conversation ("new conversation"); returns whether there was any.
    pub async fn clear_context(&self) -> Result<bool, CoordinatorError> {
        self.ask(Command::ClearContext).await
    }

    /// Applies changed `conversation.*` settings to the running context.
    pub async fn configure(
        &self,
        conversation: &ConversationSettings,
    ) -> Result<(), CoordinatorError> {
        let settings = conversation.clone();
        self.ask(|r| Command::Configure(settings, r)).await
    }
}

// The task's own data: only it reads or writes these.
struct Task {
    bus: EventBus,
    state: State,
    // The newest utterance's number (0 before the first).
    current: UtteranceId,
    conversation: Conversation,
}

impl Task {
    async fn run(mut self, mut rx: mpsc::Receiver<Command>) {
        loop {
            let expiry = self.conversation.expires_at();
            tokio::select! {
                command = rx.recv() => match command {
                    Some(command) => self.handle(command),
                    None => break,
                },
                _ = tokio::time::sleep_until(expiry.unwrap_or_else(Instant::now)), if expiry.is_some() => {
                    self.conversation.clear();
                    tracing::info!("conversation context cleared after the idle time");
                    self.bus.publish(Event::ContextCleared { reason: ClearReason::Idle });
                }
            }
        }
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Start(step, reply) => {
                let started = self.apply(self.current + 1, &step).map(|_| self.current);
                let _ = reply.send(started);
            }
            Command::Step(utterance, step, reply) => {
                let result = match utterance {
                    Some(u) if u != self.current => {
                        tracing::info!(
                            utterance = u,
                            current = self.current,
                            "ignored a late '{}' step",
                            step.name()
                        );
                        Err(CoordinatorError::Stale {
                            utterance: u,
                            current: self.current,
                        })
                    }
                    _ => self.apply(self.current, &step),
                };
                let _ = reply.send(result);
            }
            Command::Remember(utterance, turn, reply) => {
                let result = if utterance == self.current {
                    self.conversation.remember(turn, Instant::now());
                    Ok(())
                } else {
                    Err(CoordinatorError::Stale {
                        utterance,
                        current: self.current,
                    })
                };
                let _ = reply.send(result);
            }
            Command::Context(reply) => {
                let _ = reply.send(self.conversation.turns().cloned().collect());
            }
            Command::ClearContext(reply) => {
                let had = self.conversation.clear();
                if had {
                    self.bus.publish(Event::ContextCleared {
                        reason: ClearReason::Asked,
                    });
                }
                let _ = reply.send(had);
            }
            Command::Configure(settings, reply) => {
                self.conversation
                    .reconfigure(settings.history_length, settings.auto_clear_minutes);
                let _ = reply.send(());
            }
            Command::State(reply) => {
                let _ = reply.send((self.current, self.state.clone()));
            }
        }
    }

    // Applies `step` as part of `utterance` (the next number when it starts one).
    fn apply(&mut self, utterance: UtteranceId, step: &Step) -> Result<State, CoordinatorError> {
        let next = match self.state.after(step) {
            Ok(next) => next,
            Err(rejected) => {
                tracing::warn!(utterance, "{rejected}");
                self.bus.publish(Event::StepRejected {
                    utterance,
                    reason: rejected.to_string(),
                });
                return Err(rejected.into());
            }
        };
        self.current = utterance;
        if let State::Error(message) = &next {
            tracing::warn!(utterance, "utterance failed: {message}");
            self.bus.publish(Event::Error {
                utterance,
                message: message.clone(),
            });
        }
        if next != self.state {
            let from = std::mem::replace(&mut self.state, next.clone());
            tracing::debug!(utterance, "{} -> {}", from.name(), next.name());
            self.bus.publish(Event::StateChanged {
                utterance,
                from,
                to: next.clone(),
            });
        }
        Ok(next)
    }
}
