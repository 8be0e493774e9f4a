// The shell: the status bar (pipeline state, profile, services, connection) and the views.
import { useCallback, useEffect, useState } from "react";
import { call, events, takeToken, type Status } from "./api/client";
import { Talk } from "./views/Talk";
import { History } from "./views/History";

type View = "talk" | "history";

export function App() {
  const [token] = useState(takeToken);
  const [status, setStatus] = useState<Status | null>(null);
  const [online, setOnline] = useState(false);
  const [view, setView] = useState<View>("talk");
  // What is being heard while someone speaks (cleared by the final transcript).
  const [partial, setPartial] = useState("");
  const [theme, setTheme] = useState("system");

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
    call<{ values: Record<string, unknown> }>(token, "GET", "/api/v1/settings")
      .then((s) => setTheme(String(s.values["ui.theme"] ?? "system")))
      .catch(() => undefined);
    return events(
      token,
      (e) => {
        if (e.type === "partial_transcript") setPartial(String(e.text ?? ""));
        if (e.type === "transcript") setPartial("");
        if (e.type === "state_changed") void refresh();
      },
      (open) => {
        setOnline(open);
        if (open) void refresh();
      },
    );
  }, [token, refresh]);

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
        <nav aria-label="Views">
          <button aria-pressed={view === "talk"} onClick={() => setView("talk")}>
            Talk
          </button>
          <button aria-pressed={view === "history"} onClick={() => setView("history")}>
            History
          </button>
        </nav>
      </header>
      <main>{view === "talk" ? <Talk token={token} partial={partial} /> : <History token={token} />}</main>
    </div>
  );
}
