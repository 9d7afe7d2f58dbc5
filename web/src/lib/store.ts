/**
 * A tiny external store for React's useSyncExternalStore: immutable state, replaced by `update`,
 * listeners notified once per microtask burst (many socket events in a row render once).
 */
export class Store<T> {
  private state: T;
  private readonly listeners = new Set<() => void>();
  private scheduled = false;

  constructor(initial: T) {
    this.state = initial;
  }

  getState = (): T => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  update(updater: (state: T) => T): void {
    const next = updater(this.state);
    if (next === this.state) {
      return;
    }
    this.state = next;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        for (const listener of [...this.listeners]) {
          listener();
        }
      });
    }
  }
}
