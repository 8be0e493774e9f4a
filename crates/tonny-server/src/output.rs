//! The text output of a daemon without a desktop: replies are printed on stdout, where a
//! terminal (`tonny run` over SSH) or a service log shows them.

use async_trait::async_trait;
use tonny_core::output::{Delivery, OutputError, TextOutput};

/// Prints text on stdout instead of typing it.
pub struct Printed {
    /// Print, or stay quiet (`--json` collects the reply instead).
    pub show: bool,
}

#[async_trait]
impl TextOutput for Printed {
    async fn deliver(&self, text: &str) -> Result<Delivery, OutputError> {
        if self.show {
            println!("{text}");
        }
        Ok(Delivery::Shown)
    }
}
