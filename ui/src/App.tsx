// The shell: the status bar (pipeline state, profile, services, connection), the views, and
// the first-run wizard until setup is done.
import { useCallback, useEffect, useRef, useState } from "react";
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
import { Home, type BackendHealth } from "./views/Home";
import { Timers } from "./views/Timers";
import { Notifications } from "./views/Notifications";
import { ModelsVoices } from "./views/ModelsVoices";
import { pickLanguage, translator, WordsProvider, type Key } from "./i18n";

const VIEWS = [
  "Home",
  "Talk",
  "Timers",
  "Notifications",
  "Models & voices",
  "History",
  "Profiles",
  "Quick actions",
  "Settings",
  "Services",
  "Logs",
] as const;
type View = (typeof VIEWS)[number];

export function App() {
  const [token] = useState(takeToken);
  const [status, setStatus] = useState<Status | null>(null);
  const [online, setOnline] = useState(false);
  const [view, setView] = useState<View>("Home");
  // Bumped when something Home, Timers or Notifications show may have changed.
  const [tick, setTick] = useState(0);
  const bump = useCallback(() => setTick((t) => t + 1), []);
  // The last health heard of each assistant, speech and voice backend.
  const [health, setHealth] = useState<Record<string, BackendHealth>>({});
  const main = useRef<HTMLElement>(null);
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
          case "service_health":
            void refresh();
            break;
          case "profile_changed":
          case "request_finished":
          case "notification":
            void refresh();
            bump();
            break;
          case "backend_health":
            setHealth((h) => ({ ...h, [e.backend]: { backend: e.backend, reachable: e.reachable, detail: e.detail } }));
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
  }, [token, refresh, loadSettings, bump]);

  function go(to: View) {
    setView(to);
    // Keyboard and screen-reader users land on the view they chose, not on the button.
    window.requestAnimationFrame(() => main.current?.focus());
  }

  const values = (settings?.values ?? {}) as Record<string, unknown>;
  const theme = String(values["ui.theme"] ?? "system");
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const lang = pickLanguage(values["ui.language"], navigator.languages);
  const t = translator(lang);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  if (!token) {
    return (
      <main className="center">
        <h1>TonnyTray</h1>
        <p>{t("app.no_token")}</p>
      </main>
    );
  }
  const state = status?.state ?? "offline";
  const wizard = settings !== null && values["ui.setup_done"] === false;
  return (
    <WordsProvider lang={lang}>
    <div className="app">
      <header className="bar" role="banner">
        <strong className="brand">
          <img src="/icon.svg" alt="" width={22} height={22} />
          TonnyTray
        </strong>
        <span className={`pill state-${state}`} data-testid="state" data-state={online ? state : "offline"} aria-live="polite">
          {t(`state.${online ? state : "offline"}` as Key)}
        </span>
        {status && <span className="pill">{t("app.profile", { name: status.profile })}</span>}
        {values["audio.muted"] === true && <span className="pill bad">{t("home.muted")}</span>}
        {status?.services.map((s) => (
          <span key={s.name} className={`pill ${s.running ? "ok" : "bad"}`} title={s.state}>
            {s.name}
          </span>
        ))}
        {!wizard && (
          <nav aria-label={t("app.views")}>
            {VIEWS.map((v) => (
              <button key={v} aria-pressed={view === v} onClick={() => go(v)}>
                {t(`view.${v}`)}
              </button>
            ))}
          </nav>
        )}
      </header>
      {restart.length > 0 && (
        <p className="notice" role="status">
          {t("app.restart", { keys: restart.join(", ") })} <button onClick={() => setRestart([])}>{t("app.dismiss")}</button>
        </p>
      )}
      <main ref={main} tabIndex={-1} aria-label={wizard ? "Setup" : t(`view.${view}`)}>
        {wizard && settings ? (
          <Wizard token={token} settings={settings} onDone={loadSettings} />
        ) : (
          <>
            {/* Talk stays mounted: the conversation and a recording survive a visit elsewhere. */}
            <div hidden={view !== "Talk"}>
              <Talk token={token} partial={partial} active={view === "Talk"} />
            </div>
            {view === "Home" ? (
              <Home
                token={token}
                status={status}
                online={online}
                tick={tick}
                health={health}
                muted={values["audio.muted"] === true}
                onChanged={() => void refresh()}
                onSettings={loadSettings}
              />
            ) : view === "Timers" ? (
              <Timers token={token} tick={tick} />
            ) : view === "Notifications" ? (
              <Notifications token={token} tick={tick} />
            ) : view === "Models & voices" ? (
              settings && <ModelsVoices token={token} settings={settings} onSaved={loadSettings} />
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
            ) : view === "Logs" ? (
              <Logs token={token} />
            ) : null}
          </>
        )}
      </main>
    </div>
    </WordsProvider>
  );
}
