// Services: the programs TonnyTray supervises (the WhisperLiveKit server, extra ones) — their
// health, start/stop/restart, and their log as it is written — and each profile's usage.
import { useState } from "react";
import { call, describe, type ServiceStatus } from "../api/client";
import { LogTable, useLog } from "./Logs";
import { Usage } from "./Usage";
import { useT } from "../i18n";

export function Services({ token, services, onChanged }: { token: string; services: ServiceStatus[]; onChanged: () => void }) {
  const [selected, setSelected] = useState<string>("");
  const [message, setMessage] = useState("");
  const t = useT();
  const shown = selected || services[0]?.name || "supervisor";
  const { lines } = useLog(token, "debug", shown, 100);

  async function act(name: string, action: string) {
    try {
      await call(token, "POST", `/api/v1/services/${encodeURIComponent(name)}/${action}`);
      setMessage("");
      onChanged();
    } catch (e) {
      setMessage(describe(e));
    }
  }

  return (
    <section aria-label={t("view.Services")}>
      <h2>{t("view.Services")}</h2>
      {message && <p className="error-text">{message}</p>}
      {services.length === 0 && (
        <p className="hint">
          {t("services.none_before")} <code>stt.backend</code> {t("services.none_to")} <code>whisperlivekit</code> {t("services.none_with")}{" "}
          <code>whisperlivekit.manage</code> {t("services.none_on")} <code>services.extra</code> {t("services.none_after")}
        </p>
      )}
      <table>
        <tbody>
          {services.map((s) => (
            <tr key={s.name}>
              <td>
                <button type="button" className="link" onClick={() => setSelected(s.name)} aria-pressed={shown === s.name}>
                  {s.name}
                </button>
              </td>
              <td>
                <span className={`pill ${s.running ? "ok" : "bad"}`}>{s.state}</span>
              </td>
              <td className="actions">
                <button type="button" onClick={() => void act(s.name, "start")} disabled={s.running}>
                  {t("services.start")}
                </button>
                <button type="button" onClick={() => void act(s.name, "stop")} disabled={!s.running}>
                  {t("services.stop")}
                </button>
                <button type="button" onClick={() => void act(s.name, "restart")}>
                  {t("services.restart")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Usage token={token} />
      <h3>{t("services.log", { name: shown })}</h3>
      <LogTable lines={lines} />
    </section>
  );
}
