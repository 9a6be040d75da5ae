import type { SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import type { SendBatch } from '../../core/ports.js';

const s3Notification = z.union([
  z.object({
    Records: z.array(
      z.object({
        eventName: z.string(),
        s3: z.object({ bucket: z.object({ name: z.string() }), object: z.object({ key: z.string() }) }),
      }),
    ),
  }),
  // Sent once when the notification is configured.
  z.object({ Event: z.literal('s3:TestEvent') }),
]);

/** S3 encodes object keys in notifications like a form (space → '+'). */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, '%20'));
}

/**
 * Content-bucket keys a publish acts on: articles, pages and static files (others, like site.yaml and the
 * theme, which every publish reads whole, only wake it).
 */
const publishable = (key: string) =>
  !key.split('/').includes('..') &&
  (((key.startsWith('posts/') || key.startsWith('pages/')) && key.endsWith('.md')) ||
    (key.startsWith('static/') && !key.endsWith('/')));

/**
 * The content paths named by S3 notifications delivered through SQS. Created and removed alike: the
 * publisher looks at each object as it is now, so order and repeats do not matter. A notification for
 * site.yaml or a release names no path, but still runs a publish, which re-renders what its change affects.
 */
export function changedContentPaths(event: SQSEvent): { paths: string[]; malformed: string[] } {
  const paths = new Set<string>();
  const malformed: string[] = [];
  for (const record of event.Records) {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      malformed.push(record.messageId);
      continue;
    }
    const parsed = s3Notification.safeParse(body);
    if (!parsed.success) {
      malformed.push(record.messageId);
      continue;
    }
    if (!('Records' in parsed.data)) continue;
    for (const r of parsed.data.Records) {
      const key = decodeS3Key(r.s3.object.key);
      if (publishable(key)) paths.add(key);
    }
  }
  return { paths: [...paths].sort(), malformed };
}

const digestMessage = z.object({ digestId: z.string().regex(/^[0-9a-f]{8,64}$/) });
const sendMessage = z.object({
  digestId: z.string().regex(/^[0-9a-f]{8,64}$/),
  recipients: z.array(z.email()).max(50),
  articles: z.array(z.string().min(1)).optional(),
});

export function digestIdOf(body: string): string {
  return digestMessage.parse(JSON.parse(body)).digestId;
}

export function sendBatchOf(body: string): SendBatch {
  return sendMessage.parse(JSON.parse(body));
}
