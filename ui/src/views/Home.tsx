// Home: what TonnyTray is doing (an animated indicator), who is using it (the active profile,
// switched here with an admin's PIN when a kid profile is involved), today's use per profile,
// whether the assistants and services answer, the timers and reminders running (cancel), and
// the notifications nobody has read yet.
import { useEffect, useState } from "react";
import { call, describe, type Profile, type ServiceStatus, type Status, type UsageView } from "../api/client";
import { useApi } from "../api/useApi";
import { Notice, type Message } from "./Notice";
import { Timers } from "./Timers";
import { Notifications } from "./Notifications";

/** The last thing heard about a backend's health (from `backend_health` events). */
export interface BackendHealth {
  backend: string;
  reachable: boolean;
  detail?: string | null;
}

const STATE_WORDS: Record<string, string> = {
  idle: "Ready",
  listening: "Listening",
  transcribing: "Working out what you said",
  thinking: "Thinking",
  speaking: "Speaking",
  error: "Something went wrong",
  offline: "Not connected",
};

/** The pipeline state as a coloured, animated indicator with words beside it. */
export function StateIndicator({ state, error }: { state: string; error?: string | null }) {
  return (
    <div className={`state-indicator state-${state}`} role="status" aria-live="polite" data-testid="home-state">
      <span className="orb" aria-hidden="true" />
      <span>
        <strong>{STATE_WORDS[state] ?? state}</strong>
        {state === "error" && error && <span className="help">{error}</span>}
      </span>
    </div>
  );
}

export function Home({
  token,
  status,
  online,
  tick,
  health,
  onChanged,
}: {
  token: string;
  status: Status | null;
  online: boolean;
  /** Changes whenever something Home shows may have changed (a request ended, a notification). */
  tick: number;
  health: Record<string, BackendHealth>;
  onChanged: () => void;
}) {
  return (
    <section aria-label="Home" className="home">
      <div className="card hero">
        <StateIndicator state={online ? (status?.state ?? "offline") : "offline"} error={status?.error} />
        <ProfileSwitcher token={token} active={status?.profile ?? ""} tick={tick} onChanged={onChanged} />
      </div>
      <div className="grid">
        <Timers token={token} tick={tick} compact />
        <Notifications token={token} tick={tick} compact />
        <Today token={token} tick={tick} />
        <Health services={status?.services ?? []} health={health} />
      </div>
    </section>
  );
}

function ProfileSwitcher({
  token,
  active,
  tick,
  onChanged,
}: {
  token: string;
  active: string;
  tick: number;
  onChanged: () => void;
}) {
  const { data: profiles, reload } = useApi<Profile[]>(token, "/api/v1/profiles");
  useEffect(reload, [tick, active, reload]);
  const [chosen, setChosen] = useState("");
  const [pin, setPin] = useState("");
  const [message, setMessage] = useState<Message>(null);
  const target = chosen || active;
  const kidInvolved = (profiles ?? []).some((p) => (p.name === target || p.name === active) && p.permission === "kid");

  async function switchTo() {
    try {
      await call(token, "POST", "/api/v1/active-profile", { name: target, pin: pin.trim() || null });
      setMessage({ ok: true, text: `${target} is active.` });
      setPin("");
      setChosen("");
      onChanged();
    } catch (err) {
      setMessage({ ok: false, text: describe(err) });
    }
  }

  return (
    <form
      className="switcher"
      aria-label="Active profile"
      onSubmit={(e) => {
        e.preventDefault();
        void switchTo();
      }}
    >
      <label htmlFor="home-profile">Who is using TonnyTray</label>
      <div className="row">
        <select id="home-profile" value={target} onChange={(e) => setChosen(e.target.value)}>
          {(profiles ?? []).map((p) => (
            <option key={p.name} value={p.name}>
              {p.name} ({p.permission})
            </option>
          ))}
        </select>
        {kidInvolved && target !== active && (
          <>
            <label htmlFor="home-pin" className="visually-hidden">
              Admin PIN
            </label>
            <input
              id="home-pin"
              type="password"
              inputMode="numeric"
              autoComplete="off"
              placeholder="Admin PIN"
              value={pin}
              onChange={(e) => setPin(e.target.value)}
            />
          </>
        )}
        <button type="submit" disabled={!target || target === active}>
          Switch
        </button>
      </div>
      <Notice message={message} />
    </form>
  );
}

function Today({ token, tick }: { token: string; tick: number }) {
  const { data, error, reload } = useApi<UsageView>(token, "/api/v1/usage?days=1");
  useEffect(reload, [tick, reload]);
  return (
    <section className="card" aria-labelledby="today-title">
      <h2 id="today-title">Today</h2>
      {error && <p role="alert">{error}</p>}
      <ul className="plain">
        {data?.profiles.map((p) => (
          <li key={p.profile} data-testid={`today-${p.profile}`}>
            <span>{p.profile}</span>
            <span>
              {p.daily_limit != null ? `${p.today} of ${p.daily_limit} requests` : `${p.today} requests`}
              {p.blocked > 0 && `, ${p.blocked} refused`}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Health({ services, health }: { services: ServiceStatus[]; health: Record<string, BackendHealth> }) {
  const backends = Object.values(health);
  return (
    <section className="card" aria-labelledby="health-title">
      <h2 id="health-title">Assistants and services</h2>
      {services.length === 0 && backends.length === 0 && (
        <p className="hint">Everything runs on this computer; nothing to check.</p>
      )}
      <ul className="plain">
        {services.map((s) => (
          <li key={`service-${s.name}`} data-testid={`health-${s.name}`}>
            <span>{s.name}</span>
            <span className={s.running ? "ok-text" : "error-text"}>{s.running ? "running" : s.state}</span>
          </li>
        ))}
        {backends.map((b) => (
          <li key={`backend-${b.backend}`} data-testid={`health-${b.backend}`}>
            <span>{b.backend}</span>
            <span className={b.reachable ? "ok-text" : "error-text"}>
              {b.reachable ? "answering" : (b.detail ?? "not answering")}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
