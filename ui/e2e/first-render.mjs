// Time to first render: `tonny serve` is started in a fresh home, and headless Chromium opens
// the address it prints as soon as the API answers; measured from the spawn to Home showing the
// state ("Ready"). Median and slowest of RUNS; then the settings a person reaches without
// Advanced, from the daemon's own schema. Prints figures; asserts nothing.
// Usage: node e2e/first-render.mjs PATH_TO_TONNY [RUNS]
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [tonny, runsArg] = process.argv.slice(2);
if (!tonny) {
  console.error("usage: node e2e/first-render.mjs PATH_TO_TONNY [RUNS]");
  process.exit(2);
}
const runs = Number(runsArg ?? 5);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function once() {
  const home = mkdtempSync(join(tmpdir(), "tonny-first-render-"));
  const env = { ...process.env, TONNY_HOME: home };
  for (const k of Object.keys(env)) if (k.startsWith("TONNY_") && k !== "TONNY_HOME") delete env[k];
  const started = performance.now();
  const serve = spawn(tonny, ["serve", "--port", "0", "--no-hotkeys", "--silent"], { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  serve.stderr.on("data", (d) => (stderr += d));
  let gone = false;
  const exited = new Promise((r) => serve.once("exit", () => r((gone = true))));
  try {
    // The runtime file (data/daemon.json) appears once the API listens; then `tonny ui-url`
    // names the address it listens on, with the token.
    const runtime = join(home, "data", "daemon.json");
    while (!existsSync(runtime)) {
      if (gone) throw new Error(`tonny serve stopped: ${stderr}`);
      if (performance.now() - started > 60_000) throw new Error("tonny serve did not start in 60 s");
      await sleep(10);
    }
    const url = execFileSync(tonny, ["ui-url"], { env, encoding: "utf8" }).trim();
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      // A fresh home opens on the wizard: skipping it is one press, then Home.
      await page.getByRole("button", { name: "Skip setup" }).click({ timeout: 30_000 });
      await page.locator('[data-testid="home-state"]').getByText("Ready").waitFor({ timeout: 30_000 });
      const wizard = performance.now() - started;
      const schema = await page.evaluate(async () => {
        const token = sessionStorage.getItem("tonny-token");
        return (await fetch("/api/v1/settings/schema", { headers: { Authorization: `Bearer ${token}` } })).json();
      });
      return { ms: wizard, schema };
    } finally {
      await browser.close();
    }
  } finally {
    if (!gone) serve.kill("SIGTERM");
    await exited;
    if (existsSync(home)) rmSync(home, { recursive: true, force: true });
  }
}

const times = [];
let schema = null;
for (let i = 0; i < runs; i++) {
  const r = await once();
  times.push(r.ms);
  schema = r.schema;
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`==> serve start to Home rendered (through the wizard's Skip): median ${median.toFixed(0)} ms, slowest ${times.at(-1).toFixed(0)} ms over ${runs} runs`);
const fields = schema.fields;
const plain = fields.filter((f) => f.group !== "advanced");
const byGroup = Object.fromEntries(schema.groups.map((g) => [g, fields.filter((f) => f.group === g).length]));
console.log(`==> settings: ${plain.length} of ${fields.length} reachable without Advanced; per group ${JSON.stringify(byGroup)}`);

