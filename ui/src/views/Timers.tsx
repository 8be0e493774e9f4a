// Timers and reminders that are still to go off, soonest first, each with the time left and a
// Cancel button. Set by voice or a typed request ("set a timer for ten minutes").
import { useEffect, useState } from "react";
import { call, describe, type TimerView } from "../api/client";
import { useApi } from "../api/useApi";
import { Notice, type Message } from "./Notice";
import { useT, type T } from "../i18n";

/** "in 9 min", "in 45 s", "in 2 h 5 min": how long until `due`. */
export function timeLeft(due: string, now: number, t: T): string {
  const s = Math.max(0, Math.round((Date.parse(due) - now) / 1000));
  if (s < 60) return t("timers.in_s", { n: s });
  const m = Math.round(s / 60);
  if (m < 60) return t("timers.in_min", { n: m });
  return t("timers.in_h", { h: Math.floor(m / 60), m: m % 60 });
}

export function Timers({ token, tick, compact = false }: { token: string; tick: number; compact?: boolean }) {
  const { data, error, reload } = useApi<TimerView[]>(token, "/api/v1/timers");
  const [message, setMessage] = useState<Message>(null);
  const [now, setNow] = useState(() => Date.now());
  const t = useT();
  const kind = (k: string) => (k === "reminder" ? t("timers.reminder") : t("timers.timer"));
  useEffect(reload, [tick, reload]);
  // The time left counts down while the list is shown.
  useEffect(() => {
    const every = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(every);
  }, []);

  async function cancel(timer: TimerView) {
    try {
      await call(token, "DELETE", `/api/v1/timers/${timer.id}`);
      setMessage({ ok: true, text: t("timers.cancelled", { kind: kind(timer.kind), label: timer.label }) });
      reload();
    } catch (err) {
      setMessage({ ok: false, text: describe(err) });
    }
  }

  const timers = [...(data ?? [])].sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
  const Title = compact ? "h2" : "h1";
  return (
    <section className="card" aria-labelledby="timers-title">
      <Title id="timers-title">{t("timers.title")}</Title>
      {error && <p role="alert">{error}</p>}
      {data && timers.length === 0 && <p className="hint">{t("timers.none")}</p>}
      <ul className="plain">
        {timers.map((timer) => (
          <li key={timer.id} data-testid={`timer-${timer.id}`} className="timer">
            <span>
              <strong>{timer.label}</strong>{" "}
              <span className="hint">
                ({kind(timer.kind)}, {timer.profile})
              </span>
            </span>
            <span className="row">
              <time dateTime={timer.due_at} title={new Date(timer.due_at).toLocaleString()}>
                {timeLeft(timer.due_at, now, t)}
              </time>
              <button
                type="button"
                onClick={() => void cancel(timer)}
                aria-label={t("timers.cancel_label", { kind: kind(timer.kind), label: timer.label })}
              >
                {t("timers.cancel")}
              </button>
            </span>
          </li>
        ))}
      </ul>
      <Notice message={message} />
    </section>
  );
}
