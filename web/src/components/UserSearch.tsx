import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import type { User } from "../api/types";
import { useChat, useChatClient } from "../hooks/useChat";
import { Avatar } from "./Avatar";
import { Icon } from "./Icon";

/**
 * A user picker: types ahead against `GET /api/users?search=` (debounced), arrows and Enter to
 * pick. Used to start a direct conversation and to add members.
 */
export function UserSearch({
  label,
  placeholder,
  onPick,
  exclude = [],
  testId,
  autoFocus,
}: {
  label: string;
  placeholder: string;
  onPick: (user: User) => void;
  exclude?: string[];
  testId?: string;
  autoFocus?: boolean;
}) {
  const client = useChatClient();
  const online = useChat((s) => s.online);
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<User[]>([]);
  const [open, setOpen] = useState(false);
  const [highlight, setHighlight] = useState(0);
  const [searching, setSearching] = useState(false);
  const inputId = useId();
  const listId = useId();
  const excluded = useRef(exclude);
  excluded.current = exclude;

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setResults([]);
      return;
    }
    const controller = new AbortController();
    setSearching(true);
    const timer = setTimeout(async () => {
      try {
        const users = await client.api.searchUsers(q, 8, controller.signal);
        setResults(users.filter((u) => !excluded.current.includes(u.id)));
        setHighlight(0);
        setOpen(true);
      } catch {
        // aborted or offline
      } finally {
        if (!controller.signal.aborted) setSearching(false);
      }
    }, 200);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [query, client]);

  function choose(user: User) {
    onPick(user);
    setQuery("");
    setResults([]);
    setOpen(false);
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (!open || results.length === 0) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      setHighlight((h) => (h + (e.key === "ArrowDown" ? 1 : results.length - 1)) % results.length);
    } else if (e.key === "Enter") {
      e.preventDefault();
      choose(results[highlight]);
    } else if (e.key === "Escape") {
      setOpen(false);
    }
  }

  const showList = open && query.trim().length > 0;
  return (
    <div className="user-search">
      <label htmlFor={inputId} className="visually-hidden">
        {label}
      </label>
      <div className="search-field">
        <Icon name="search" size={16} />
        <input
          id={inputId}
          data-testid={testId}
          type="search"
          role="combobox"
          aria-expanded={showList}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={showList && results.length ? `${listId}-${highlight}` : undefined}
          placeholder={placeholder}
          value={query}
          autoComplete="off"
          autoFocus={autoFocus}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onKeyDown}
          onFocus={() => setOpen(true)}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
        />
      </div>
      {showList && (
        <ul className="search-results" id={listId} role="listbox" aria-label={label}>
          {results.length === 0 ? (
            <li className="muted empty" role="option" aria-disabled="true" aria-selected="false">
              {searching ? "Searching…" : "No one found"}
            </li>
          ) : (
            results.map((user, i) => (
              <li
                key={user.id}
                id={`${listId}-${i}`}
                role="option"
                data-testid="user-result"
                aria-selected={i === highlight}
                className={i === highlight ? "active" : ""}
                onMouseDown={(e) => {
                  e.preventDefault();
                  choose(user);
                }}
              >
                <Avatar userId={user.id} name={user.displayName || user.userName} size={28} online={online[user.id]} />
                <span className="result-name">{user.displayName || user.userName}</span>
                <span className="muted">@{user.userName}</span>
              </li>
            ))
          )}
        </ul>
      )}
    </div>
  );
}
