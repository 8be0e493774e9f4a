//! Realistic content for filling test and benchmark databases.

/// Things a household says to TonnyTray, as a speech engine would transcribe them.
pub const UTTERANCES: &[&str] = &[
    "Turn on the living room lights.",
    "What is the weather going to be like tomorrow?",
    "Set a timer for ten minutes.",
    "Hello Tonny, please send a message to the family group.",
    "The quick brown fox jumps over the lazy dog.",
    "Turn off the porch light at eleven tonight.",
    "Remind everyone that dinner is ready in five minutes.",
    "Add milk, eggs and bread to the shopping list.",
    "Play some quiet music in the kitchen.",
    "What time is it in Tokyo right now?",
    "Call grandma after lunch on Sunday.",
    "How long until the washing machine is done?",
    "Read me the headlines from this morning.",
    "Dim the bedroom lights to thirty percent.",
    "Is the front door locked?",
    "Start the robot vacuum in the hallway.",
];

/// A deterministic utterance for row `i`, varied so full-text indexes see realistic vocabulary.
pub fn utterance(i: u64) -> String {
    let base = UTTERANCES[(i as usize) % UTTERANCES.len()];
    match i % 5 {
        0 => base.to_owned(),
        1 => format!("{base} Thanks."),
        2 => format!("Tonny, {}", base.to_lowercase()),
        3 => format!("{base} Number {i}."),
        _ => format!("Please {}", base.to_lowercase()),
    }
}
