//! Integration tests for tonny-core, one module per topic.

mod coordinator;
