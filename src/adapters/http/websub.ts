import type { HubNotifier } from '../../core/ports.js';

/**
 * WebSub publisher notifications (https://www.w3.org/TR/websub/#publishing): one form POST per changed feed,
 * `hub.mode=publish&hub.url=<feed>`. Retried with backoff and jitter; failures are counted, never thrown,
 * so a hub that is down never blocks publishing (readers then simply poll as before).
 */
export class WebSubNotifier implements HubNotifier {
  constructor(
    private readonly hub: string,
    private readonly options: { attempts?: number; backoffMs?: number; timeoutMs?: number } = {},
  ) {}

  async notify(feedUrls: readonly string[]): Promise<{ notified: number; failed: number }> {
    // In parallel: a slow or failing hub costs one feed's retries, not one per feed.
    const results = await Promise.all(feedUrls.map((url) => this.ping(url)));
    const notified = results.filter(Boolean).length;
    return { notified, failed: results.length - notified };
  }

  private async ping(feedUrl: string): Promise<boolean> {
    const attempts = this.options.attempts ?? 3;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await fetch(this.hub, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': feedUrl }).toString(),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
        });
        if (response.ok) return true;
        if (response.status < 500 && response.status !== 429) return false; // the hub refused: no retry
      } catch {
        // network error or timeout: retry
      }
      if (attempt < attempts) {
        const base = this.options.backoffMs ?? 500;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * base * 2 ** attempt));
      }
    }
    return false;
  }
}
