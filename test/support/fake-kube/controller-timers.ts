/** Named timers a simulated controller owns, all cancelled by `clearAll()` on stop. */
export class ControllerTimers {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #stopped = false;

  /** Replaces any timer with the same name. */
  set(name: string, delayMs: number, run: () => void): void {
    if (this.#stopped) return;
    this.clear(name);
    const timer = setTimeout(() => {
      this.#timers.delete(name);
      if (!this.#stopped) run();
    }, delayMs);
    this.#timers.set(name, timer);
  }

  has(name: string): boolean {
    return this.#timers.has(name);
  }

  clear(name: string): void {
    const timer = this.#timers.get(name);
    if (timer) clearTimeout(timer);
    this.#timers.delete(name);
  }

  /** Clears every timer whose name starts with the prefix. */
  clearPrefix(prefix: string): void {
    for (const name of [...this.#timers.keys()]) if (name.startsWith(prefix)) this.clear(name);
  }

  clearAll(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
