// End to end in headless Chromium against a `tonny serve` that speaks (PulseAudio): change the
// voice and then the response mode in Settings and see the very next reply use them, without
// a restart. The daemon starts on espeak-ng; the Talk view names the voice that spoke each reply.
// Usage: node e2e/voice.mjs URL_WITH_TOKEN SCREENSHOT_DIR
import { chromium } from "playwright-core";

const [url, shots] = process.argv.slice(2);
if (!url || !shots) {
  console.error("usage: node e2e/voice.mjs URL_WITH_TOKEN SCREENSHOT_DIR");
  process.exit(2);
}

function fail(message) {
  console.error(`e2e: ${message}`);
  process.exit(1);
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1024, height: 760 } });
  await page.goto(url);
  await page.locator(`[data-testid="state"][data-state="idle"]`).waitFor({ timeout: 15_000 });
  const nav = page.getByRole("navigation", { name: "Views" });
  const view = (name) => nav.getByRole("button", { name, exact: true }).click();

  /** Asks in Talk and returns the reply's line once it is there. */
  async function ask(request) {
    await view("Talk");
    const before = await page.getByTestId("line-tonny").count();
    await page.getByLabel("Ask TonnyTray").fill(request);
    await page.getByRole("button", { name: "Ask" }).click();
    const line = page.getByTestId("line-tonny").nth(before);
    await line.waitFor({ timeout: 60_000 });
    return line;
  }

  /** Changes settings of the Voice group in Settings and saves them. */
  async function saveVoiceSettings(change) {
    await view("Settings");
    await page.locator('[data-group-tab="voice"]').click();
    await change();
    await page.getByRole("button", { name: /^Save/ }).click();
    await page.getByText("Saved. In effect now.").waitFor({ timeout: 10_000 });
  }

  const first = await ask("what time is it");
  const firstVoice = await first.getByTestId("spoken-by").textContent({ timeout: 10_000 });
  if (!/espeak-ng/.test(firstVoice ?? "")) fail(`the first reply was not spoken by espeak-ng: ${firstVoice}`);

  // The natural voice: Piper, and the installed voice picked from the list.
  await saveVoiceSettings(async () => {
    await page.locator("#setting-tts\\.engine").selectOption("piper");
    const picker = page.locator("#setting-tts\\.voice");
    await picker.locator("option", { hasText: "en_US-joe-medium" }).waitFor({ state: "attached", timeout: 10_000 });
    await picker.selectOption("en_US-joe-medium");
  });
  const second = await ask("what time is it");
  const secondVoice = await second.getByTestId("spoken-by").textContent({ timeout: 10_000 });
  if (!/Piper en_US-joe-medium/.test(secondVoice ?? "")) fail(`the next reply was not spoken by the chosen voice: ${secondVoice}`);
  await page.screenshot({ path: `${shots}/talk-new-voice.png` });

  // Text only: the next reply is shown and not spoken.
  await saveVoiceSettings(() => page.locator("#setting-response\\.mode").selectOption("text_only"));
  const third = await ask("what time is it");
  if ((await third.getByTestId("spoken-by").count()) !== 0) fail(`a text-only reply was spoken: ${await third.textContent()}`);
  if (!/\d/.test((await third.textContent()) ?? "")) fail(`the text-only reply shows no time: ${await third.textContent()}`);
  await page.screenshot({ path: `${shots}/talk-text-only.png` });
  console.log(JSON.stringify({ first: firstVoice, second: secondVoice }));
} finally {
  await browser.close();
}
