// End to end in real headless Chromium (Debian's, driven by playwright-core) against a real
// `tonny serve`: open the UI with the token from `tonny ui-url`, ask a typed question, hold
// Talk while the fake microphone plays FAKE_MIC_WAV and see the transcript, the local agent's
// reply and the reply audio playing; send MediaRecorder's WebM/Opus; in History, filter the
// spoken requests by outcome and export them as CSV; check the layout at 360 px. Screenshots of each view go to the folder given.
// Usage: FAKE_MIC_WAV=speech.wav node e2e/talk.mjs URL_WITH_TOKEN SCREENSHOT_DIR
import { readFile } from "node:fs/promises";
import { chromium } from "playwright-core";

const [url, shots] = process.argv.slice(2);
if (!url || !shots) {
  console.error("usage: node e2e/talk.mjs URL_WITH_TOKEN SCREENSHOT_DIR");
  process.exit(2);
}

function fail(message) {
  console.error(`e2e: ${message}`);
  process.exit(1);
}

// The fake microphone plays this recording (looped) whenever the page listens.
const speech = process.env.FAKE_MIC_WAV;
if (!speech) fail("FAKE_MIC_WAV must name the WAV the fake microphone plays");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-audio-capture=${speech}`,
    "--autoplay-policy=no-user-gesture-required",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  await page.goto(url);
  try {
    await page.locator(`[data-testid="state"][data-state="idle"]`).waitFor({ timeout: 10_000 });
  } catch {
    fail(`the UI never showed the idle state; page errors: ${problems.join("; ")}; page: ${(await page.content()).slice(0, 500)}`);
  }
  // A fresh home opens on the first-run wizard; this test skips it (views.mjs walks it).
  await page.getByRole("button", { name: "Skip setup" }).click();
  // Home opens first; Talk is one press away.
  await page.getByRole("navigation", { name: "Views" }).getByRole("button", { name: "Talk", exact: true }).click();
  await page.getByRole("button", { name: "Hold to talk" }).waitFor({ timeout: 10_000 });
  // The token left the address bar once read.
  if (page.url().includes("token=")) fail(`the token stayed in the address: ${page.url()}`);

  await page.getByLabel("Ask TonnyTray").fill("what time is it");
  await page.getByRole("button", { name: "Ask" }).click();
  const reply = page.getByTestId("line-tonny");
  try {
    await reply.waitFor({ timeout: 15_000 });
  } catch {
    await page.screenshot({ path: `${shots}/talk-failed.png`, fullPage: true });
    fail(`no reply appeared; page errors: ${problems.join("; ")}; body: ${(await page.content()).slice(0, 800)}`);
  }
  const text = (await reply.textContent()) ?? "";
  if (!/It's \d{1,2}:\d{2}/.test(text)) fail(`the reply was ${JSON.stringify(text)}`);

  // Hold to talk: the fake microphone's "Set a timer for ten minutes." is heard, answered by
  // the local agent, and the spoken reply plays in the page.
  const hold = page.getByRole("button", { name: "Hold to talk" });
  const box = await hold.boundingBox();
  if (!box) fail("no Talk button");
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  let loudest = 0;
  const holdStarted = Date.now();
  while (Date.now() - holdStarted < 4_000) {
    loudest = Math.max(loudest, Number(await page.getByTestId("level").getAttribute("value")));
    await page.waitForTimeout(100);
  }
  await page.screenshot({ path: `${shots}/talk-holding.png`, fullPage: true });
  await page.mouse.up();
  if (!(loudest > 0.02)) fail(`the level meter never moved while speaking (max ${loudest})`);
  const heard = page.getByTestId("line-you").filter({ hasText: /timer/i });
  try {
    await heard.waitFor({ timeout: 30_000 });
  } catch {
    await page.screenshot({ path: `${shots}/talk-failed.png`, fullPage: true });
    fail(`the held speech was not transcribed; page errors: ${problems.join("; ")}; lines: ${await page.locator(".line").allTextContents()}`);
  }
  const answered = page.getByTestId("line-tonny").filter({ hasText: /10 minutes/ });
  try {
    await answered.waitFor({ timeout: 10_000 });
  } catch {
    fail(`the held speech was not answered as a timer; lines: ${await page.locator(".line").allTextContents()}`);
  }
  const audio = page.getByTestId("reply-audio");
  await audio.waitFor({ timeout: 10_000 });
  try {
    await page.waitForFunction(
      () => {
        const a = document.querySelector('[data-testid="reply-audio"]');
        return a instanceof HTMLAudioElement && (a.currentTime > 0 || a.ended);
      },
      undefined,
      { timeout: 10_000 },
    );
  } catch {
    fail("the reply audio did not play");
  }
  await page.screenshot({ path: `${shots}/talk.png`, fullPage: true });

  // What a browser's MediaRecorder makes (WebM/Opus) is understood too.
  const webm = await page.evaluate(async () => {
    const token = sessionStorage.getItem("tonny-token");
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const recorder = new MediaRecorder(stream, { mimeType: "audio/webm;codecs=opus" });
    const parts = [];
    recorder.ondataavailable = (e) => parts.push(e.data);
    const stopped = new Promise((r) => (recorder.onstop = r));
    recorder.start();
    await new Promise((r) => setTimeout(r, 3_000));
    recorder.stop();
    await stopped;
    stream.getTracks().forEach((t) => t.stop());
    const blob = new Blob(parts, { type: "audio/webm" });
    const socket = new WebSocket(`ws://${location.host}/api/v1/talk?token=${token}`);
    return await new Promise((resolve) => {
      socket.onopen = () => socket.send(JSON.stringify({ type: "start", format: "encoded" }));
      socket.onmessage = async (m) => {
        if (typeof m.data !== "string") return;
        const msg = JSON.parse(m.data);
        if (msg.type === "listening") {
          socket.send(await blob.arrayBuffer());
          socket.send(JSON.stringify({ type: "stop" }));
        } else resolve({ ...msg, recorded: blob.size });
      };
      socket.onclose = () => resolve({ type: "closed" });
    });
  });
  if (webm.type !== "result" || !/timer/i.test(webm.transcript)) fail(`WebM/Opus from MediaRecorder: ${JSON.stringify(webm)}`);

  await page.getByRole("button", { name: "History" }).click();
  await page.getByLabel("Search history").waitFor();
  const rows = page.getByTestId("history-row");
  // The spoken timer requests were answered: they show with their stage timings.
  await page.getByLabel("Outcome").selectOption("success");
  await page.getByLabel("Search history").fill("timer");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await rows.first().filter({ hasText: /timer/i }).waitFor({ timeout: 10_000 });
  const timing = await rows.first().locator(".timings").textContent();
  if (!/stt \d+ .*total \d+ ms/.test(timing ?? "")) fail(`a spoken request's timings: ${timing}`);
  const shown = await rows.count();
  await page.screenshot({ path: `${shots}/history.png`, fullPage: true });
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Export CSV" }).click(),
  ]);
  const csv = await readFile(await download.path(), "utf8");
  const lines = csv.trim().split("\n");
  if (!lines[0].startsWith("id,created_at,profile,text,status") || lines.length !== shown + 1 || !/timer/i.test(lines[1]))
    fail(`the export of ${shown} answered rows: ${csv.slice(0, 400)}`);
  // None of them was refused.
  await page.getByLabel("Outcome").selectOption("blocked");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.getByText("Nothing matches.").waitFor({ timeout: 10_000 });

  // Narrow screens: nothing wider than the viewport.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.getByRole("button", { name: "Talk" }).click();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) fail(`the page is ${overflow}px wider than a 360px screen`);
  await page.screenshot({ path: `${shots}/talk-360.png`, fullPage: true });

  // Reloading without the token (kept for the tab) still works.
  await page.reload();
  await page.locator(`[data-testid="state"][data-state="idle"]`).waitFor({ timeout: 10_000 });
  if (problems.length) fail(`page errors: ${problems.join("; ")}`);

  // A new tab without the token explains how to get one, and asks the API for nothing.
  const bare = await browser.newPage();
  const refused = [];
  bare.on("response", (r) => r.status() === 401 && refused.push(r.url()));
  await bare.goto(url.split("#")[0]);
  await bare.getByText(/tonny ui-url/).first().waitFor({ timeout: 10_000 });
  await bare.waitForTimeout(500);
  if (refused.length) fail(`the page without a token still called the API: ${refused.join(", ")}`);
  console.log("e2e: ok");
} finally {
  await browser.close();
}
