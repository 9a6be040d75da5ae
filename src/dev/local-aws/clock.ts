// Time for the local AWS. Schedules (EventBridge rules, one-shot schedules) run on this clock, and the
// waits AWS measures in minutes (a message's visibility timeout after a failure, async retry backoff,
// batching windows) pass `speed` times faster, so a scenario sees a message dead-lettered in seconds.

export interface StackClock {
  /** Milliseconds since the epoch, as the stack sees it. */
  now(): number;
  /** How much faster than the wall clock the stack's waits pass. 1 is real time. */
  readonly speed: number;
  /** Real milliseconds to wait for `ms` of stack time. */
  realMs(ms: number): number;
  /** Called whenever stack time moves (each second, or on `advance`). */
  onTick(listener: (now: number) => void | Promise<void>): () => void;
  stop(): void;
}

abstract class BaseClock implements StackClock {
  protected readonly listeners = new Set<(now: number) => void | Promise<void>>();
  constructor(readonly speed: number) {}
  abstract now(): number;
  realMs(ms: number): number {
    return Math.max(0, Math.round(ms / this.speed));
  }
  onTick(listener: (now: number) => void | Promise<void>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  protected async tick(): Promise<void> {
    const now = this.now();
    await Promise.all([...this.listeners].map(async (l) => l(now)));
  }
  abstract stop(): void;
}

/** The wall clock, ticking every second. */
export class WallClock extends BaseClock {
  private readonly timer: NodeJS.Timeout;
  constructor(speed = 1) {
    super(speed);
    this.timer = setInterval(() => void this.tick().catch(() => {}), 1000);
    this.timer.unref();
  }
  now(): number {
    return Date.now();
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

/** A clock tests move by hand: schedules fire on `advance`, never on their own. */
export class ManualClock extends BaseClock {
  private current: number;
  constructor(start: Date | number, speed = 1) {
    super(speed);
    this.current = typeof start === 'number' ? start : start.getTime();
  }
  now(): number {
    return this.current;
  }
  /** Moves time forward one minute at a time (so every schedule due in between fires, in order). */
  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    while (this.current < end) {
      this.current = Math.min(end, this.current + 60_000);
      await this.tick();
    }
  }
  async set(to: Date): Promise<void> {
    await this.advance(to.getTime() - this.current);
  }
  stop(): void {}
}
