// What the digest and send functions do with one queued digest id, without the queues: fan the digest out
// to its audience, then send every batch.
import type { DigestSource, RecipientStore, SendBatch } from '../../src/core/ports.js';
import type { VersionedSubscriberStorage } from '../../src/core/subscribers.js';
import { fanOutDigest } from '../../src/pipeline/fanout.js';
import { type SendDeps, type SendReport, sendBatch } from '../../src/pipeline/send.js';

type Storage = Pick<VersionedSubscriberStorage, 'readVersioned'>;

export async function fanOutAndSend(
  digestId: string,
  deps: { readonly digests: DigestSource; readonly recipients: RecipientStore; readonly send: SendDeps },
): Promise<SendReport[]> {
  const batches: SendBatch[] = [];
  await fanOutDigest(digestId, {
    digests: deps.digests,
    recipients: deps.recipients,
    queue: { enqueue: async (b) => void batches.push(...b) },
  });
  // As the send function reads them: the subscribers as they are when each batch goes.
  const subscribers =
    deps.send.subscribers ?? ('readVersioned' in deps.recipients ? (deps.recipients as Storage) : undefined);
  const send = subscribers ? { ...deps.send, subscribers } : deps.send;
  return Promise.all(batches.map((batch) => sendBatch(send, batch)));
}
