import { useCallback, useEffect, useState } from "react";

/** The open room in the URL (#/room/ID), so the back button and links work. */
export function useHashRoom(): [string | null, (roomId: string | null) => void] {
  const read = () => {
    const match = /^#\/room\/([^/?#]+)/.exec(window.location.hash);
    return match ? decodeURIComponent(match[1]) : null;
  };
  const [roomId, setRoomId] = useState<string | null>(read);

  useEffect(() => {
    const onChange = () => setRoomId(read());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);

  const navigate = useCallback((next: string | null) => {
    const hash = next ? `#/room/${encodeURIComponent(next)}` : "#/";
    if (window.location.hash !== hash) {
      window.location.hash = hash;
    }
    setRoomId(next);
  }, []);

  return [roomId, navigate];
}
