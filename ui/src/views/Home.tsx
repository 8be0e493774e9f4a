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
import { useT, type Key } from "../i18n";

/** The last thing heard about a backend's health (from `backend_health` events). */
export interface BackendHealth {
  backend: string;
  reachable: boolean;
  detail?: string | null;
}

/** The pipeline state as a coloured, animated indicator with words beside it. */
export function StateIndicator({ state, error }: { state: string; error?: string | null }) {
  const t = useT();
  return (
    <div className={`state-indicator state-${state}`} role="status" aria-live="polite" data-testid="home-state">
      <span className="orb" aria-hidden="true" />
      <span>
        <strong>{t(`state.${state}` as Key)}</strong>
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
  muted,
  onChanged,
  onSettings,
}: {
  token: string;
  status: Status | null;
  online: boolean;
  /** Changes whenever something Home shows may have changed (a request ended, a notification). */
  tick: number;
  health: Record<string, BackendHealth>;
  /** `audio.muted`. */
  muted: boolean;
  onChanged: () => void;
  /** Settings were changed here. */
  onSettings: () => void;
}) {
  const t = useT();
  return (
    <section aria-label={t("view.Home")} className="home">
      <div className="card hero">
        <StateIndicator state={online ? (status?.state ?? "offline") : "offline"} error={status?.error} />
        <MuteSwitch token={token} muted={muted} onSettings={onSettings} />
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

/** Mutes the microphone (`audio.muted`), saved and applied at once. */
function MuteSwitch({ token, muted, onSettings }: { token: string; muted: boolean; onSettings: () => void }) {
  const t = useT();
  const [message, setMessage] = useState<Message>(null);
  async function toggle(on: boolean) {
    try {
      await call(token, "PATCH", "/api/v1/settings", { "audio.muted": on });
      setMessage(null);
      onSettings();
    } catch (err) {
      setMessage({ ok: false, text: describe(err) });
    }
  }
  return (
    <div className="mute">
      <label className="row">
        <input type="checkbox" role="switch" checked={muted} onChange={(e) => void toggle(e.target.checked)} />
        {t("home.muted")}
      </label>
      {muted && <span className="help">{t("home.muted_hint")}</span>}
      <Notice message={message} />
    </div>
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
  const t = useT();
  const target = chosen || active;
  const kidInvolved = (profiles ?? []).some((p) => (p.name === target || p.name === active) && p.permission === "kid");

  async function switchTo() {
    try {
      await call(token, "POST", "/api/v1/active-profile", { name: target, pin: pin.trim() || null });
      setMessage({ ok: true, text: t("home.switched", { name: target }) });
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
      onSubmit={(e) => {
        e.preventDefault();
        void switchTo();
      }}
    >
      <label htmlFor="home-profile">{t("home.who")}</label>
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
              {t("home.admin_pin")}
            </label>
            <input
              id="home-pin"
              type="password"
              inputMode="numeric"
              autoComplete="off"
              placeholder={t("home.admin_pin")}
              value={pin}
              onChange={(e) => setPin(e.target.value)}
            />
          </>
        )}
        <button type="submit" disabled={!target || target === active}>
          {t("home.switch")}
        </button>
      </div>
      <Notice message={message} />
    </form>
  );
}

function Today({ token, tick }: { token: string; tick: number }) {
  const { data, error, reload } = useApi<UsageView>(token, "/api/v1/usage?days=1");
  useEffect(reload, [tick, reload]);
  const t = useT();
  return (
    <section className="card" aria-labelledby="today-title">
      <h2 id="today-title">{t("home.today")}</h2>
      {error && <p role="alert">{error}</p>}
      <ul className="plain">
        {data?.profiles.map((p) => (
          <li key={p.profile} data-testid={`today-${p.profile}`}>
            <span>{p.profile}</span>
            <span>
              {p.daily_limit != null
                ? t("home.requests_of", { count: p.today, limit: p.daily_limit })
                : t("home.requests", { count: p.today })}
              {p.blocked > 0 && t("home.refused", { count: p.blocked })}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Health({ services, health }: { services: ServiceStatus[]; health: Record<string, BackendHealth> }) {
  const backends = Object.values(health);
  const t = useT();
  return (
    <section className="card" aria-labelledby="health-title">
      <h2 id="health-title">{t("home.health")}</h2>
      {services.length === 0 && backends.length === 0 && <p className="hint">{t("home.all_local")}</p>}
      <ul className="plain">
        {services.map((s) => (
          <li key={`service-${s.name}`} data-testid={`health-${s.name}`}>
            <span>{s.name}</span>
            <span className={s.running ? "ok-text" : "error-text"}>{s.running ? t("home.running") : s.state}</span>
          </li>
        ))}
        {backends.map((b) => (
          <li key={`backend-${b.backend}`} data-testid={`health-${b.backend}`}>
            <span>{b.backend}</span>
            <span className={b.reachable ? "ok-text" : "error-text"}>
              {b.reachable ? t("home.answering") : (b.detail ?? t("home.not_answering"))}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
