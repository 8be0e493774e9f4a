// Usage: how much each profile used TonnyTray over the last week — requests answered and
// refused, speech heard, and today's count against a daily limit.
import { useApi } from "../api/useApi";
import type { UsageView } from "../api/client";
import { useT } from "../i18n";

export function Usage({ token }: { token: string }) {
  const { data, error } = useApi<UsageView>(token, "/api/v1/usage?days=7");
  const t = useT();
  return (
    <section aria-label={t("usage.title")}>
      <h3>{t("usage.title")}</h3>
      {error && <p role="alert">{error}</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">{t("usage.profile")}</th>
            <th scope="col">{t("usage.answered")}</th>
            <th scope="col">{t("usage.refused")}</th>
            <th scope="col">{t("usage.speech")}</th>
            <th scope="col">{t("usage.today")}</th>
          </tr>
        </thead>
        <tbody>
          {data?.profiles.map((p) => (
            <tr key={p.profile} data-testid={`usage-${p.profile}`}>
              <td>{p.profile}</td>
              <td>{p.requests}</td>
              <td>{p.blocked}</td>
              <td>{p.speech_s >= 60 ? `${Math.round(p.speech_s / 60)} min` : `${p.speech_s} s`}</td>
              <td>{p.daily_limit != null ? t("usage.of", { count: p.today, limit: p.daily_limit }) : p.today}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
