import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Every call the client sends from now on, by command name ("Query", "GetItem"…), in order. */
export function countDynamoDbCalls(client: DynamoDBDocumentClient): string[] {
  const calls: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: `countDynamoDbCalls-${calls.length}-${Math.random()}` },
  );
  return calls;
}
