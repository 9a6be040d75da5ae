// Time for the local AWS, in two parts.
// - The schedule clock: EventBridge rules and one-shot schedules fire on it. The wall clock in `npm run
//   dev`; a manual clock in tests, moved by `advance`.
// - Waits: what AWS measures in minutes between two steps of a delivery (a failed message's visibility
//   timeout, async retry backoff, a batching window). They take their real length while anything is
//   running, and are skipped when the whole stack is idle and only waiting: a discrete-event shortcut
//   that keeps the order of events AWS would produce (a throttled batch still comes back after the busy
//   function finishes) without a test sitting through six minutes of visibility timeout.

export interface StackClock {
  /** Milliseconds since the epoch, as the stack's schedules see it. */
  now(): number;
  /** How far the stack's time is ahead of the wall clock; functions see the wall clock plus this. */
  offsetMs(): number;
  /** Called whenever schedule time moves (each second, or on `advance`). */
  onTick(listener: (now: number) => void | Promise<void>): () => void;
  stop(): void;
}

abstract class BaseClock implements StackClock {
  protected readonly listeners = new Set<(now: number) => void | Promise<void>>();
  abstract offsetMs(): number;
  now(): number {
    return Date.now() + this.offsetMs();
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
  constructor() {
    super();
    this.timer = setInterval(() => void this.tick().catch(() => {}), 1000);
    this.timer.unref();
  }
  offsetMs(): number {
    return 0;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * A clock tests move by hand: it runs with the wall clock from where it starts, and schedules fire only on
 * `advance` (everything due since the last tick, in order), never on their own. Functions see its time, so
 * a scheduled article or a weekly send is due for them exactly when its schedule fires.
 */
export class ManualClock extends BaseClock {
  private offset: number;
  constructor(start: Date | number) {
    super();
    this.offset = (typeof start === 'number' ? start : start.getTime()) - Date.now();
  }
  offsetMs(): number {
    return this.offset;
  }
  /** Moves time forward one minute at a time (so every schedule due in between fires, in order). */
  async advance(ms: number): Promise<void> {
    let left = ms;
    while (left > 0) {
      const step = Math.min(left, 60_000);
      this.offset += step;
      left -= step;
      await this.tick();
    }
  }
  async set(to: Date): Promise<void> {
    await this.advance(to.getTime() - this.now());
  }
  stop(): void {}
}

/** How long after a test's last request the stack may count as idle. */
const QUIET_MS = 250;

interface Wait {
  readonly due: number;
  readonly resolve: () => void;
}

/**
 * The stack's waits. Each resolves when its time has passed, or earlier when `idle` says nothing is
 * running and it is the next wait due: then no function can observe the difference.
 */
export class Waits {
  private readonly waits: Wait[] = [];
  private readonly timer: NodeJS.Timeout;
  private checking = false;
  /** Milliseconds skipped so far. */
  skippedMs = 0;
  /** When a test last acted on the stack (an upload, a removal): the stack is not idle right after it. */
  private touchedAt = 0;

  constructor(
    private readonly idle: () => Promise<boolean>,
    private readonly fastForward: boolean,
  ) {
    this.timer = setInterval(() => void this.check(), 20);
    this.timer.unref();
  }

  wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.waits.push({ due: Date.now() + ms, resolve });
      this.waits.sort((a, b) => a.due - b.due);
    });
  }

  /**
   * A request from outside the stack (a test uploading files one after another) is activity the stack
   * cannot see: no wait is skipped until QUIET_MS after the last one, so a batching window gathers
   * what arrives in quick succession, as it does in AWS.
   */
  touch(): void {
    this.touchedAt = Date.now();
  }

  get pending(): number {
    return this.waits.length;
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const now = Date.now();
      while ((this.waits[0]?.due ?? Number.POSITIVE_INFINITY) <= now) this.waits.shift()?.resolve();
      if (!this.fastForward || this.waits.length === 0) return;
      if (Date.now() - this.touchedAt < QUIET_MS) return;
      // Idle twice in a row, so a message between two steps (sent, not yet received) is not mistaken for quiet.
      if (!(await this.idle())) return;
      await new Promise((r) => setTimeout(r, 10));
      if (!(await this.idle())) return;
      const next = this.waits.shift();
      if (next) {
        this.skippedMs += Math.max(0, next.due - Date.now());
        next.resolve();
      }
    } finally {
      this.checking = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
    for (const w of this.waits.splice(0)) w.resolve();
  }
}
