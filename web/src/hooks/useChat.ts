import { createContext, useContext, useSyncExternalStore } from "react";
import type { ChatClient, ChatState } from "../state/chat";

export const ChatContext = createContext<ChatClient | null>(null);

/** The signed-in chat client. */
export function useChatClient(): ChatClient {
  const client = useContext(ChatContext);
  if (!client) {
    throw new Error("useChatClient outside ChatContext");
  }
  return client;
}

/** A slice of the chat state; re-renders when the selected value changes (by identity). */
export function useChat<T>(select: (state: ChatState) => T): T {
  const client = useChatClient();
  return useSyncExternalStore(client.store.subscribe, () => select(client.store.getState()));
}
