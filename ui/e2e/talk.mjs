// End to end in real headless Chromium (Debian's, driven by playwright-core): open the UI
// with the token from `tonny ui-url`, ask a typed question, see the local agent's reply and
// the live state, visit History, and check the layout at 360 px. Screenshots of each view go
// to the folder given. Usage: node e2e/talk.mjs URL_WITH_TOKEN SCREENSHOT_DIR
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

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  await page.goto(url);
  const state = page.getByTestId("state");
  try {
    await state.filter({ hasText: "idle" }).waitFor({ timeout: 10_000 });
  } catch {
    fail(`the UI never showed the idle state; page errors: ${problems.join("; ")}; page: ${(await page.content()).slice(0, 500)}`);
  }
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
  await page.screenshot({ path: `${shots}/talk.png`, fullPage: true });

  await page.getByRole("button", { name: "History" }).click();
  await page.getByLabel("Search history").waitFor();
  await page.screenshot({ path: `${shots}/history.png`, fullPage: true });

  // Narrow screens: nothing wider than the viewport.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.getByRole("button", { name: "Talk" }).click();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) fail(`the page is ${overflow}px wider than a 360px screen`);
  await page.screenshot({ path: `${shots}/talk-360.png`, fullPage: true });

  // Reloading without the token (kept for the tab) still works.
  await page.reload();
  await state.filter({ hasText: "idle" }).waitFor({ timeout: 10_000 });
  if (problems.length) fail(`page errors: ${problems.join("; ")}`);
  console.log("e2e: ok");
} finally {
  await browser.close();
}
