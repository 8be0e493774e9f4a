// The shell: the status bar (pipeline state, profile, services, connection), the views, and
// the first-run wizard until setup is done.
import { useCallback, useEffect, useState } from "react";
import { useApi } from "./api/useApi";
import { call, events, takeToken, type SettingsView, type Status } from "./api/client";
import { Talk, type Partial } from "./views/Talk";
import { History } from "./views/History";
import { Profiles } from "./views/Profiles";
import { Actions } from "./views/Actions";
import { Settings } from "./views/Settings";
import { Services } from "./views/Services";
import { Logs } from "./views/Logs";
import { Wizard } from "./views/Wizard";

const VIEWS = ["Talk", "History", "Profiles", "Quick actions", "Settings", "Services", "Logs"] as const;
type View = (typeof VIEWS)[number];

export function App() {
  const [token] = useState(takeToken);
  const [status, setStatus] = useState<Status | null>(null);
  const [online, setOnline] = useState(false);
  const [view, setView] = useState<View>("Talk");
  // What is being heard while someone speaks (cleared by the final transcript): words that
  // will not change, then the rest of the current guess.
  const [partial, setPartial] = useState<Partial>({ stable: "", tentative: "" });
  // Settings changed that take effect only after a restart.
  const [restart, setRestart] = useState<string[]>([]);
  const { data: settings, reload: loadSettings } = useApi<SettingsView>(token ?? "", token ? "/api/v1/settings" : null);

  const refresh = useCallback(async () => {
    if (!token) return;
    try {
      setStatus(await call<Status>(token, "GET", "/api/v1/status"));
    } catch {
      setStatus(null);
    }
  }, [token]);

  useEffect(() => {
    if (!token) return;
    return events(
      token,
      (e) => {
        switch (e.type) {
          case "partial_transcript":
            setPartial({ stable: e.text, tentative: e.tentative ?? "" });
            break;
          case "transcript":
            setPartial({ stable: "", tentative: "" });
            break;
          case "state_changed":
          case "profile_changed":
          case "service_health":
            void refresh();
            break;
          case "settings_changed":
            // Changed anywhere (the tray, the CLI, another tab): this page shows it at once.
            void loadSettings();
            void refresh();
            if (e.restart_required.length) setRestart(e.restart_required);
            break;
          case "lagged":
            // Events were missed: read the state again.
            void refresh();
            break;
        }
      },
      (open) => {
        setOnline(open);
        if (open) void refresh();
      },
    );
  }, [token, refresh, loadSettings]);

  const values = (settings?.values ?? {}) as Record<string, unknown>;
  const theme = String(values["ui.theme"] ?? "system");
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  if (!token) {
    return (
      <main className="center">
        <h1>TonnyTray</h1>
        <p>
          Open the address <code>tonny ui-url</code> prints: it carries the key this page needs.
        </p>
      </main>
    );
  }
  const state = status?.state ?? "offline";
  const wizard = settings !== null && values["ui.setup_done"] === false;
  return (
    <div className="app">
      <header className="bar" role="banner">
        <strong>TonnyTray</strong>
        <span className={`pill state-${state}`} data-testid="state" aria-live="polite">
          {online ? state : "offline"}
        </span>
        {status && <span className="pill">profile: {status.profile}</span>}
        {status?.services.map((s) => (
          <span key={s.name} className={`pill ${s.running ? "ok" : "bad"}`} title={s.state}>
            {s.name}
          </span>
        ))}
        {!wizard && (
          <nav aria-label="Views">
            {VIEWS.map((v) => (
              <button key={v} aria-pressed={view === v} onClick={() => setView(v)}>
                {v}
              </button>
            ))}
          </nav>
        )}
      </header>
      {restart.length > 0 && (
        <p className="notice" role="status">
          {restart.join(", ")} takes effect after TonnyTray restarts.{" "}
          <button onClick={() => setRestart([])}>Dismiss</button>
        </p>
      )}
      <main>
        {wizard && settings ? (
          <Wizard token={token} settings={settings} onDone={loadSettings} />
        ) : view === "Talk" ? (
          <Talk token={token} partial={partial} />
        ) : view === "History" ? (
          <History token={token} />
        ) : view === "Profiles" ? (
          <Profiles token={token} onChanged={() => void refresh()} />
        ) : view === "Quick actions" ? (
          <Actions token={token} />
        ) : view === "Settings" ? (
          <Settings token={token} onSaved={loadSettings} />
        ) : view === "Services" ? (
          <Services token={token} services={status?.services ?? []} onChanged={() => void refresh()} />
        ) : (
          <Logs token={token} />
        )}
      </main>
    </div>
  );
}
