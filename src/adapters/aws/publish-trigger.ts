import { CopyObjectCommand, type S3Client } from '@aws-sdk/client-s3';

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
