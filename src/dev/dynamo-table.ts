// Creating a table, as AWS documents it: CreateTable answers while the table is still CREATING, and a
// request to it before it is ACTIVE fails with ResourceNotFoundException. dynalite keeps that rule even
// with createTableMs 0 (the change to ACTIVE is a timer), which a busy machine makes visible.
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

export async function createActiveTable(
  client: DynamoDBClient,
  input: CreateTableCommandInput,
): Promise<void> {
  await client.send(new CreateTableCommand(input));
  for (let attempt = 0; attempt < 500; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`table ${input.TableName} did not become ACTIVE`);
}
