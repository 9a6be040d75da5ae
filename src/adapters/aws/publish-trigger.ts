import { CopyObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * Runs a publish on a deployed stack without touching its content: site.yaml is copied onto itself (same
 * bytes, new metadata), and its S3 notification wakes the publish function as any deploy does. A publish
 * that finds nothing changed writes nothing; it announces what is due and sets the next wake-up.
 */
export async function triggerPublish(client: S3Client, contentBucket: string, nowMs: number): Promise<void> {
  await client.send(
    new CopyObjectCommand({
      Bucket: contentBucket,
      Key: 'site.yaml',
      CopySource: `${contentBucket}/site.yaml`,
      MetadataDirective: 'REPLACE',
      Metadata: { 'broadsheet-publish': String(nowMs) },
    }),
  );
}

/**
 * Written by the weekly function when it has handed a week's digest on. The object's S3 notification wakes
 * the publisher like any content change, so the archive page goes up with the email instead of at
 * the next push or the daily repair. Nothing reads it; the publisher finds the digest through the weekly
 * cursor.
 */
export const WEEKLY_SENT_KEY = 'weekly-sent.json';

export async function signalWeeklySent(
  client: S3Client,
  contentBucket: string,
  digestId: string,
  nowMs: number,
): Promise<void> {
  await client.send(
    new PutObjectCommand({
      Bucket: contentBucket,
      Key: WEEKLY_SENT_KEY,
      Body: JSON.stringify({ digestId, at: new Date(nowMs).toISOString() }),
      ContentType: 'application/json',
    }),
  );
}
