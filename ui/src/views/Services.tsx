// Services: the programs TonnyTray supervises (the WhisperLiveKit server, extra ones) — their
// health, start/stop/restart, and their log as it is written — and each profile's usage.
import { useState } from "react";
import { call, describe, type ServiceStatus } from "../api/client";
import { LogTable, useLog } from "./Logs";
import { Usage } from "./Usage";

export function Services({ token, services, onChanged }: { token: string; services: ServiceStatus[]; onChanged: () => void }) {
  const [selected, setSelected] = useState<string>("");
  const [message, setMessage] = useState("");
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
    <section aria-label="Services">
      <h2>Services</h2>
      {message && <p className="error-text">{message}</p>}
      {services.length === 0 && (
        <p className="hint">
          No services are supervised. Set <code>stt.backend</code> to <code>whisperlivekit</code> with <code>whisperlivekit.manage</code> on, or add
          <code> services.extra</code>, in Settings.
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
                  Start
                </button>
                <button type="button" onClick={() => void act(s.name, "stop")} disabled={!s.running}>
                  Stop
                </button>
                <button type="button" onClick={() => void act(s.name, "restart")}>
                  Restart
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Usage token={token} />
      <h3>Log: {shown}</h3>
      <LogTable lines={lines} />
    </section>
  );
}
