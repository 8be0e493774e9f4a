// Logs: what TonnyTray wrote, filtered by level and component, following new lines. The
// Services view shows the same for one service.
import { useEffect, useRef, useState } from "react";
import { call, describe, type LogLine } from "../api/client";

const LEVELS = ["trace", "debug", "info", "warn", "error"];

/** Follows the log: the newest `limit` lines, then new ones every two seconds. */
export function useLog(token: string, level: string, component: string, limit = 200) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [error, setError] = useState("");
  const last = useRef<number | null>(null);
  useEffect(() => {
    let stopped = false;
    last.current = null;
    const q = (extra: string) => `/api/v1/logs?level=${level}&limit=${limit}${component ? `&component=${encodeURIComponent(component)}` : ""}${extra}`;
    const poll = async (first: boolean) => {
      try {
        const got = await call<LogLine[]>(token, "GET", q(first || last.current == null ? "" : `&after_id=${last.current}`));
        if (stopped) return;
        // The first page is newest first; following pages are oldest first.
        const ordered = first ? [...got].reverse() : got;
        if (ordered.length) last.current = Math.max(last.current ?? 0, ...ordered.map((l) => l.id));
        setLines((old) => (first ? ordered : [...old, ...ordered].slice(-limit)));
        setError("");
      } catch (e) {
        if (!stopped) setError(describe(e));
      }
    };
    void poll(true);
    const timer = window.setInterval(() => void poll(false), 2000);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [token, level, component, limit]);
  return { lines, error };
}

export function LogTable({ lines }: { lines: LogLine[] }) {
  return (
    <div className="log" role="log" aria-live="off">
      {lines.length === 0 && <p className="hint">No lines.</p>}
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
  return (
    <section aria-label="Logs">
      <div className="toolbar">
        <h2>Logs</h2>
        <label>
          Level{" "}
          <select value={level} onChange={(e) => setLevel(e.target.value)} aria-label="Level">
            {LEVELS.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        <input aria-label="Component" placeholder="component (e.g. tts)" value={component} onChange={(e) => setComponent(e.target.value.trim())} />
      </div>
      {error && <p className="error-text">{error}</p>}
      <LogTable lines={lines} />
    </section>
  );
}
