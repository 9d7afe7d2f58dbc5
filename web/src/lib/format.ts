/** Dates and names as the conversation shows them. */

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric" });
const dayYearFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric", year: "numeric" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
const shortDayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

export function formatTime(iso: string): string {
  return timeFormat.format(new Date(iso));
}

export function formatFull(iso: string): string {
  return fullFormat.format(new Date(iso));
}

/** The local calendar day of a timestamp, as a key. */
export function dayKey(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/** "Today", "Yesterday", or the date. */
export function formatDay(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const that = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  const days = Math.round((today.getTime() - that.getTime()) / 86_400_000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  return d.getFullYear() === now.getFullYear() ? dayFormat.format(d) : dayYearFormat.format(d);
}

/** A compact time for lists: the time today, else the day. */
export function formatShort(iso: string, now = new Date()): string {
  const d = new Date(iso);
  return dayKey(iso) === dayKey(now.toISOString()) ? timeFormat.format(d) : shortDayFormat.format(d);
}

/** "Alice Martin" → "AM", "alice_84551c" → "A". */
export function initials(name: string): string {
  const words = name.trim().split(/[\s._-]+/).filter((w) => /^\p{L}/u.test(w));
  if (words.length === 0) return (name.trim()[0] ?? "?").toUpperCase();
  const letters = words.length >= 2 ? [...words[0]][0] + [...words[1]][0] : [...words[0]][0];
  return letters.toUpperCase();
}

/** A stable hue for a user's avatar. */
export function hueOf(id: string): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) {
    hash = (hash * 31 + id.charCodeAt(i)) | 0;
  }
  return Math.abs(hash) % 360;
}

export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${s.toString().padStart(2, "0")}`;
}
