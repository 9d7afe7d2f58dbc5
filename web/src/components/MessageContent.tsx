import type { ReactNode } from "react";

// The server's mention rule: "@" not preceded by a name character, then a user name.
const TOKEN = /(?<![A-Za-z0-9_.\-@])@([A-Za-z0-9_.\-]{3,32})|(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]])/g;

/** Message text with @mentions highlighted (yours more) and links made clickable. */
export function MessageContent({ content, myUserName }: { content: string; myUserName: string }) {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of content.matchAll(TOKEN)) {
    const index = match.index ?? 0;
    if (index > last) parts.push(content.slice(last, index));
    if (match[1]) {
      const name = match[1].replace(/[.-]+$/, "");
      const mine = name.toLowerCase() === myUserName.toLowerCase() || match[1].toLowerCase() === myUserName.toLowerCase();
      parts.push(
        <span key={index} className={mine ? "mention mine" : "mention"}>
          @{match[1]}
        </span>,
      );
    } else if (match[2]) {
      parts.push(
        <a key={index} href={match[2]} target="_blank" rel="noopener noreferrer">
          {match[2]}
        </a>,
      );
    }
    last = index + match[0].length;
  }
  if (last < content.length) parts.push(content.slice(last));
  return <>{parts}</>;
}

/** Whether the content mentions the user. */
export function mentions(content: string, userName: string): boolean {
  const lower = userName.toLowerCase();
  for (const match of content.matchAll(TOKEN)) {
    if (match[1] && (match[1].toLowerCase() === lower || match[1].replace(/[.-]+$/, "").toLowerCase() === lower)) {
      return true;
    }
  }
  return false;
}
