// Timers and reminders that are still to go off, soonest first, each with the time left and a
// Cancel button. Set by voice or a typed request ("set a timer for ten minutes").
import { useEffect, useState } from "react";
import { call, describe, type TimerView } from "../api/client";
import { useApi } from "../api/useApi";
import { Notice, type Message } from "./Notice";

/** "in 9 min", "in 45 s", "in 2 h 5 min": how long until `due`. */
export function timeLeft(due: string, now: number): string {
  const s = Math.max(0, Math.round((Date.parse(due) - now) / 1000));
  if (s < 60) return `in ${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `in ${m} min`;
  return `in ${Math.floor(m / 60)} h ${m % 60} min`;
}

export function Timers({ token, tick, compact = false }: { token: string; tick: number; compact?: boolean }) {
  const { data, error, reload } = useApi<TimerView[]>(token, "/api/v1/timers");
  const [message, setMessage] = useState<Message>(null);
  const [now, setNow] = useState(() => Date.now());
  useEffect(reload, [tick, reload]);
  // The time left counts down while the list is shown.
  useEffect(() => {
    const every = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(every);
  }, []);

  async function cancel(t: TimerView) {
    try {
      await call(token, "DELETE", `/api/v1/timers/${t.id}`);
      setMessage({ ok: true, text: `Cancelled the ${t.kind} “${t.label}”.` });
      reload();
    } catch (err) {
      setMessage({ ok: false, text: describe(err) });
    }
  }

  const timers = [...(data ?? [])].sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
  const Title = compact ? "h2" : "h1";
  return (
    <section className="card" aria-labelledby="timers-title">
      <Title id="timers-title">Timers and reminders</Title>
      {error && <p role="alert">{error}</p>}
      {data && timers.length === 0 && <p className="hint">None running. Say “set a timer for ten minutes”.</p>}
      <ul className="plain">
        {timers.map((t) => (
          <li key={t.id} data-testid={`timer-${t.id}`} className="timer">
            <span>
              <strong>{t.label}</strong> <span className="hint">({t.kind}, {t.profile})</span>
            </span>
            <span className="row">
              <time dateTime={t.due_at} title={new Date(t.due_at).toLocaleString()}>
                {timeLeft(t.due_at, now)}
              </time>
              <button type="button" onClick={() => void cancel(t)} aria-label={`Cancel ${t.kind} ${t.label}`}>
                Cancel
              </button>
            </span>
          </li>
        ))}
      </ul>
      <Notice message={message} />
    </section>
  );
}
