//! Typing through our Wayland virtual keyboard into foot under a real headless sway, where the
//! seat has no keyboard of its own: the case in which `wtype "hello"` types "ello".

use std::time::Duration;

use tonny_audio::virtual_keyboard::{Pickup, type_text_at};
use tonny_testkit::Sway;

#[test]
fn every_character_reaches_the_window_even_on_a_seat_without_a_keyboard() {
    let sway = Sway::start();
    let foot = sway.foot_cat();
    // Each call makes a new virtual keyboard that the window has to take afresh (the seat loses
    // its keyboard capability when the previous one goes), so the first character is at risk
    // every time, not only the first time.
    let mut expected = String::new();
    let texts = [
        "hello Grüße ",
        "naïve café ",
        "zebra ☕ ",
        "Øresund ",
        "yes ",
        "done.",
    ];
    for (n, text) in texts.into_iter().enumerate() {
        // Once, the window is busy when the keyboard appears: without the wait for it to take
        // the keyboard, every key of that call would be lost.
        let busy = (n == 2).then(|| foot.busy_for(Duration::from_millis(60)));
        let typed = type_text_at(sway.wayland_display(), text, Pickup::WhenSeatHadNoKeyboard)
            .expect("typing into sway");
        assert!(typed.waited_for_pickup, "the seat had no keyboard");
        if let Some(busy) = busy {
            busy.join().unwrap();
        }
        expected.push_str(text);
        let now = foot.typed_settled(Duration::from_secs(10));
        assert_eq!(now, expected, "every character, the first included");
    }
}

#[test]
fn a_compositor_that_is_gone_is_an_error_not_silence() {
    let sway = Sway::start();
    let socket = sway.wayland_display().to_owned();
    drop(sway);
    let e = type_text_at(&socket, "lost?", Pickup::WhenSeatHadNoKeyboard).unwrap_err();
    assert!(matches!(
        e,
        tonny_audio::virtual_keyboard::VirtualKeyboardError::Socket(_)
    ));
}
