import { hueOf, initials } from "../lib/format";

/** Initials on a colour derived from the user id, with an optional presence dot. */
export function Avatar({ userId, name, size = 36, online }: { userId: string; name: string; size?: number; online?: boolean }) {
  return (
    <span className="avatar" style={{ width: size, height: size, fontSize: size * 0.4, ["--hue" as string]: hueOf(userId) }} aria-hidden="true">
      {initials(name)}
      {online !== undefined && <span className={`presence-dot ${online ? "online" : "offline"}`} />}
    </span>
  );
}
