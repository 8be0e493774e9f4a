// Usage: how much each profile used TonnyTray over the last week — requests answered and
// refused, speech heard, and today's count against a daily limit.
import { useApi } from "../api/useApi";
import type { UsageView } from "../api/client";

export function Usage({ token }: { token: string }) {
  const { data, error } = useApi<UsageView>(token, "/api/v1/usage?days=7");
  return (
    <section aria-label="Usage">
      <h3>Usage, last 7 days</h3>
      {error && <p role="alert">{error}</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">Profile</th>
            <th scope="col">Answered</th>
            <th scope="col">Refused</th>
            <th scope="col">Speech</th>
            <th scope="col">Today</th>
          </tr>
        </thead>
        <tbody>
          {data?.profiles.map((p) => (
            <tr key={p.profile} data-testid={`usage-${p.profile}`}>
              <td>{p.profile}</td>
              <td>{p.requests}</td>
              <td>{p.blocked}</td>
              <td>{p.speech_s >= 60 ? `${Math.round(p.speech_s / 60)} min` : `${p.speech_s} s`}</td>
              <td>{p.daily_limit != null ? `${p.today} of ${p.daily_limit}` : p.today}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
