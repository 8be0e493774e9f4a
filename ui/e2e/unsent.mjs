// End to end in real headless Chromium: a dictation that could not be typed is listed at the
// top of History under "Not typed yet"; Retry types it (the daemon's typing delivers it) and
// the list empties. Usage: node e2e/unsent.mjs URL_WITH_TOKEN SCREENSHOT_DIR
import { chromium } from "playwright-core";

const [url, shots] = process.argv.slice(2);
if (!url || !shots) {
  console.error("usage: node e2e/unsent.mjs URL_WITH_TOKEN SCREENSHOT_DIR");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
const problems = [];
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(url);
  await page.getByRole("navigation", { name: "Views" }).getByRole("button", { name: "History", exact: true }).click();
  const unsent = page.getByRole("region", { name: "Dictations not typed yet" });
  await unsent.getByTestId("unsent-row").first().waitFor({ timeout: 15000 });
  const rows = await unsent.getByTestId("unsent-row").count();
  if (rows !== 1) throw new Error(`expected one unsent dictation, saw ${rows}`);
  await page.screenshot({ path: `${shots}/history-unsent.png`, fullPage: true });
  await unsent.getByRole("button", { name: "Retry" }).click();
  await unsent.getByRole("status").filter({ hasText: "Typed:" }).waitFor({ timeout: 60000 });
  await unsent.getByTestId("unsent-row").first().waitFor({ state: "detached", timeout: 15000 });
  await page.screenshot({ path: `${shots}/history-unsent-retried.png`, fullPage: true });
  if (problems.length) throw new Error(`page errors: ${problems.join("; ")}`);
} catch (e) {
  console.error(`e2e unsent: ${e.message ?? e}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
