import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AnnouncementLedger, DigestRecord, DigestSource } from '../../../core/ports.js';
import { createDigest, existingKeys, keys, putAll, readDigest, readOpenAnnouncement } from './table.js';

/** Which articles were announced, and the digests that announced them. */
export class DynamoAnnouncementLedger implements AnnouncementLedger, DigestSource {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async unannounced(urls: readonly string[]): Promise<string[]> {
    const unique = [...new Set(urls)];
    const announced = await existingKeys(this.db, this.table, unique.map(keys.announced));
    return urls.filter((url) => !announced.has(keys.announced(url).pk));
  }

  createDigest(digest: DigestRecord): Promise<boolean> {
    return createDigest(this.db, this.table, digest);
  }

  async markAnnounced(urls: readonly string[], digestId: string): Promise<void> {
    await putAll(
      this.db,
      this.table,
      urls.map((url) => ({ ...keys.announced(url), digestId })),
    );
  }

  digest(id: string): Promise<DigestRecord | undefined> {
    return readDigest(this.db, this.table, id);
  }

  openAnnouncement(): Promise<string | undefined> {
    return readOpenAnnouncement(this.db, this.table);
  }

  async setOpenAnnouncement(id: string | undefined): Promise<void> {
    if (id === undefined) {
      await this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.openAnnouncement() }));
    } else {
      await this.db.send(
        new PutCommand({ TableName: this.table, Item: { ...keys.openAnnouncement(), digestId: id } }),
      );
    }
  }
}
