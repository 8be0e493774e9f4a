//! The tray icon for each state, drawn at start (a coloured disc with a microphone), so the
//! states need no image files and stay tellable apart without colour: each has its own mark.

use tauri::image::Image;

/// What the tray shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayState {
    /// Waiting.
    Idle,
    /// Recording.
    Listening,
    /// Transcribing or asking an agent.
    Thinking,
    /// Speaking a reply.
    Speaking,
    /// The last request failed.
    Error,
    /// A supervised service is not running.
    ServicesDown,
}

impl TrayState {
    /// From the pipeline state's name (`idle`, `listening`, `transcribing`, …).
    pub fn of_pipeline(name: &str) -> Self {
        match name {
            "listening" => Self::Listening,
            "transcribing" | "thinking" => Self::Thinking,
            "speaking" => Self::Speaking,
            "error" => Self::Error,
            _ => Self::Idle,
        }
    }

    /// For the tooltip and the log.
    pub fn label(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Listening => "listening",
            Self::Thinking => "thinking",
            Self::Speaking => "speaking",
            Self::Error => "error",
            Self::ServicesDown => "services down",
        }
    }

    fn colour(self) -> [u8; 3] {
        match self {
            Self::Idle => [0x1f, 0x6f, 0xeb],
            Self::Listening => [0xcf, 0x22, 0x2e],
            Self::Thinking => [0xbf, 0x87, 0x00],
            Self::Speaking => [0x1a, 0x7f, 0x37],
            Self::Error => [0x82, 0x07, 0x1e],
            Self::ServicesDown => [0x6e, 0x77, 0x81],
        }
    }
}

const SIZE: u32 = 32;

/// The icon for `state`: a disc in the state's colour, a white microphone, and a ring for
/// listening / a dot for thinking / a bar for an error or services down.
pub fn icon(state: TrayState) -> Image<'static> {
    let [r, g, b] = state.colour();
    let mut rgba = vec![0u8; (SIZE * SIZE * 4) as usize];
    let c = (SIZE as f32 - 1.0) / 2.0;
    for y in 0..SIZE {
        for x in 0..SIZE {
            let (dx, dy) = (x as f32 - c, y as f32 - c);
            let d = (dx * dx + dy * dy).sqrt();
            let mic = (12..=19).contains(&x) && (6..=19).contains(&y)
                || (15..=16).contains(&x) && (20..=24).contains(&y)
                || (11..=20).contains(&x) && (24..=25).contains(&y);
            let mark = match state {
                TrayState::Listening => (13.0..15.5).contains(&d),
                TrayState::Thinking => (x as i32 - 25).pow(2) + (y as i32 - 6).pow(2) <= 9,
                TrayState::Error | TrayState::ServicesDown => (4..=27).contains(&x) && y == 28,
                _ => false,
            };
            let px = ((y * SIZE + x) * 4) as usize;
            let colour = if mic || mark {
                Some([255, 255, 255])
            } else if d <= 15.5 {
                Some([r, g, b])
            } else {
                None
            };
            if let Some([cr, cg, cb]) = colour {
                rgba[px..px + 4].copy_from_slice(&[cr, cg, cb, 255]);
            }
        }
    }
    Image::new_owned(rgba, SIZE, SIZE)
}
