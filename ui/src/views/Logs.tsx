// Logs: what TonnyTray wrote, filtered by level and component, following new lines. The
// Services view shows the same for one service.
import { useEffect, useRef, useState } from "react";
import { socket, type LogLine } from "../api/client";
import { useT } from "../i18n";

const LEVELS = ["trace", "debug", "info", "warn", "error"];

/** Follows the log: the newest `limit` lines, then each new one as the daemon writes it
 * (pushed over /api/v1/logs/stream, not polled). Reconnects after a drop. */
export function useLog(token: string, level: string, component: string, limit = 200) {
  // Lines are kept with the filter they were read for: a new filter starts afresh.
  const key = `${level}|${component}|${limit}`;
  const [got, setGot] = useState<{ key: string; lines: LogLine[] }>({ key, lines: [] });
  const [error, setError] = useState("");
  const last = useRef<number | null>(null);
  const t = useT();
  useEffect(() => {
    let stopped = false;
    let ws: WebSocket | null = null;
    let retry: number | undefined;
    last.current = null;
    const connect = () => {
      const after = last.current == null ? "" : `&after_id=${last.current}`;
      const q = `/api/v1/logs/stream?level=${level}&limit=${limit}${component ? `&component=${encodeURIComponent(component)}` : ""}${after}`;
      ws = socket(token, q);
      ws.onopen = () => setError("");
      ws.onmessage = (m) => {
        const line = JSON.parse(m.data as string) as LogLine;
        last.current = Math.max(last.current ?? 0, line.id);
        setGot((old) => ({ key, lines: [...(old.key === key ? old.lines : []), line].slice(-limit) }));
      };
      ws.onclose = () => {
        if (stopped) return;
        setError(t("logs.reconnecting"));
        retry = window.setTimeout(connect, 1000);
      };
    };
    connect();
    return () => {
      stopped = true;
      window.clearTimeout(retry);
      ws?.close();
    };
  }, [token, level, component, limit, key, t]);
  return { lines: got.key === key ? got.lines : [], error };
}

export function LogTable({ lines }: { lines: LogLine[] }) {
  const t = useT();
  return (
    <div className="log" role="log" aria-live="off">
      {lines.length === 0 && <p className="hint">{t("logs.none")}</p>}
      {lines.map((l) => (
        <div key={l.id} className={`logline level-${l.level}`}>
          <time>{l.ts.replace("T", " ").slice(0, 19)}</time> <b>{l.level}</b> <i>{l.component}</i> {l.message}
        </div>
      ))}
    </div>
  );
}

export function Logs({ token }: { token: string }) {
  const [level, setLevel] = useState("info");
  const [component, setComponent] = useState("");
  const { lines, error } = useLog(token, level, component);
  const t = useT();
  return (
    <section aria-label={t("view.Logs")}>
      <div className="toolbar">
        <h2>{t("view.Logs")}</h2>
        <label>
          {t("logs.level")}{" "}
          <select value={level} onChange={(e) => setLevel(e.target.value)} aria-label={t("logs.level")}>
            {LEVELS.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        <input aria-label={t("logs.component")} placeholder={t("logs.component_hint")} value={component} onChange={(e) => setComponent(e.target.value.trim())} />
      </div>
      {error && <p className="error-text">{error}</p>}
      <LogTable lines={lines} />
    </section>
  );
}
