//! Integration tests for the assistant: real SQLite, the real local agent, real espeak-ng.
