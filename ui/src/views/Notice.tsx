// The outcome of the last action in a view ("Saved Kiddo.", or what went wrong), announced to
// screen readers.
export type Message = { ok: boolean; text: string } | null;

export function Notice({ message }: { message: Message }) {
  if (!message) return null;
  return (
    <p role="status" className={message.ok ? "ok-text" : "error-text"}>
      {message.text}
    </p>
  );
}
