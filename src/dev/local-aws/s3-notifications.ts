// S3 event notifications from the template (CDK's Custom::S3BucketNotifications resource, or a bucket's
// own NotificationConfiguration), delivered as S3 delivers them: one record a message, real-shaped, the
// key URL-encoded (space → '+'), a test event when the configuration is set. A test can make delivery
// at-least-once and unordered, as S3 documents it: every event twice, in shuffled order.
import { randomBytes, randomUUID } from 'node:crypto';
import { ACCOUNT, REGION } from './template.js';

export interface NotificationTarget {
  readonly kind: 'queue' | 'topic' | 'function';
  readonly arn: string;
  readonly events: readonly string[];
  readonly prefix: string;
  readonly suffix: string;
  readonly id: string;
}

/** s3rver's event, as it emits it. */
export interface S3rverEvent {
  Records: {
    eventName: string;
    s3: {
      bucket: { name: string };
      object: { key: string; size?: number; eTag?: string; sequencer?: string };
    };
  }[];
}

/** S3 encodes keys in notifications like a form: space → '+', the rest percent-encoded, '/' kept. */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/** `s3:ObjectCreated:*` style patterns against an event name like `ObjectCreated:Put`. */
export function eventMatches(patterns: readonly string[], eventName: string): boolean {
  return patterns.some((p) => {
    const pattern = p.replace(/^s3:/, '');
    return pattern.endsWith('*') ? eventName.startsWith(pattern.slice(0, -1)) : pattern === eventName;
  });
}

export function notificationRecord(
  bucket: string,
  eventName: string,
  object: { key: string; size?: number; eTag?: string },
  configurationId: string,
) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: REGION,
    eventTime: new Date().toISOString(),
    eventName,
    userIdentity: { principalId: `AWS:${ACCOUNT}` },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: {
      'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
      'x-amz-id-2': randomBytes(32).toString('base64'),
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId,
      bucket: { name: bucket, ownerIdentity: { principalId: ACCOUNT }, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: encodeS3Key(object.key),
        ...(object.size !== undefined ? { size: object.size } : {}),
        ...(object.eTag ? { eTag: object.eTag } : {}),
        sequencer: Date.now().toString(16).toUpperCase().padStart(16, '0'),
      },
    },
  };
}

export function testEvent(bucket: string) {
  return {
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: new Date().toISOString(),
    Bucket: bucket,
    RequestId: randomUUID(),
    HostId: randomBytes(16).toString('base64'),
  };
}

export type Deliver = (target: NotificationTarget, body: string) => Promise<void>;

export interface DeliveryFaults {
  /** Deliver nothing (a change that reaches the bucket without an event, as the daily reconcile repairs). */
  drop?: boolean;
  /** Deliver every event twice. */
  duplicate?: boolean;
  /** Hold events this many ms and deliver them shuffled. */
  shuffleWindowMs?: number;
}

/** Turns s3rver's events into notifications for the configured targets of each bucket. */
export class S3Notifier {
  readonly faults: DeliveryFaults = {};
  private held: { target: NotificationTarget; body: string }[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private sending = 0;
  readonly stats = { events: 0, delivered: 0, failed: 0 };

  constructor(
    private readonly targets: ReadonlyMap<string, readonly NotificationTarget[]>,
    private readonly deliver: Deliver,
  ) {}

  async announce(): Promise<void> {
    for (const [bucket, targets] of this.targets)
      for (const t of targets)
        if (t.kind !== 'function') await this.deliver(t, JSON.stringify(testEvent(bucket)));
  }

  onEvent(event: S3rverEvent): void {
    for (const r of event.Records) {
      const bucket = r.s3.bucket.name;
      const key = r.s3.object.key;
      for (const target of this.targets.get(bucket) ?? []) {
        if (
          !eventMatches(target.events, r.eventName) ||
          !key.startsWith(target.prefix) ||
          !key.endsWith(target.suffix)
        )
          continue;
        this.stats.events++;
        const body = JSON.stringify({
          Records: [
            notificationRecord(
              bucket,
              r.eventName,
              {
                key,
                ...(r.s3.object.size !== undefined ? { size: r.s3.object.size } : {}),
                ...(r.s3.object.eTag ? { eTag: r.s3.object.eTag } : {}),
              },
              target.id,
            ),
          ],
        });
        this.enqueue(target, body);
      }
    }
  }

  private enqueue(target: NotificationTarget, body: string): void {
    if (this.faults.drop) return;
    const copies = this.faults.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) this.held.push({ target, body });
    const window = this.faults.shuffleWindowMs ?? 0;
    if (window <= 0) {
      this.flush(false);
      return;
    }
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.flush(true);
    }, window);
  }

  private flush(shuffle: boolean): void {
    const batch = this.held;
    this.held = [];
    if (shuffle) {
      for (let i = batch.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [batch[i], batch[j]] = [batch[j] as (typeof batch)[number], batch[i] as (typeof batch)[number]];
      }
    }
    // One chain, so events are handed over in the order they were taken (unless shuffled on purpose).
    this.sending += batch.length;
    this.chain = this.chain.then(async () => {
      for (const { target, body } of batch) {
        try {
          await this.deliver(target, body);
          this.stats.delivered++;
        } catch {
          this.stats.failed++;
        } finally {
          this.sending--;
        }
      }
    });
  }

  /** Events taken but not yet handed over. */
  get pending(): boolean {
    return this.held.length > 0 || this.flushTimer !== undefined || this.sending > 0;
  }

  /** Resolves once every event seen so far has been handed to its target. */
  async drained(): Promise<void> {
    while (this.flushTimer || this.held.length > 0) await new Promise((r) => setTimeout(r, 10));
    await this.chain;
  }
}
