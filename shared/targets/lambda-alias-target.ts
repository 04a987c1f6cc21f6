import { ResourceNotFoundException, UpdateAliasCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaAliasReader } from '../validation/checks/aws-check-adapters';
import type { RestoreRequest, RestoreResult, RollbackTarget } from './rollback-target';

/**
 * Points each configured function's alias back at the version the known-good deployment recorded,
 * clearing any weighted routing a half-finished traffic shift left. The instant traffic fix.
 */
export class LambdaAliasTarget implements RollbackTarget {
  readonly name = 'lambda-alias';
  readonly movesTraffic = true;

  constructor(private readonly lambda: LambdaClient) {}

  async restore(request: RestoreRequest): Promise<RestoreResult> {
    const lambdaConfig = request.environment.lambda;
    const knownGood = request.to.lambdaVersions;
    if (!lambdaConfig || !knownGood) {
      return { target: this.name, outcome: 'not_applicable', detail: 'no Lambda alias configured or no versions recorded' };
    }
    const missing = lambdaConfig.functions.filter((name) => !knownGood[name]);
    if (missing.length > 0) {
      return {
        target: this.name,
        outcome: 'failed',
        detail: `known-good deployment ${request.to.deploymentId} recorded no version for ${missing.join(', ')}: cannot restore them`,
      };
    }
    const moves = lambdaConfig.functions.map((functionName) => ({
      functionName,
      from: request.from.lambdaVersions?.[functionName] ?? '?',
      to: knownGood[functionName]!,
    }));
    const alias = lambdaConfig.alias;
    if (request.simulate) return this.#describe(alias, moves);

    const failures: string[] = [];
    await Promise.all(
      moves.map(async ({ functionName, to }) => {
        try {
          await this.lambda.send(
            new UpdateAliasCommand({ FunctionName: functionName, Name: alias, FunctionVersion: to, RoutingConfig: { AdditionalVersionWeights: {} } }),
          );
        } catch (error) {
          failures.push(
            error instanceof ResourceNotFoundException
              ? `${functionName}: version ${to} or alias ${alias} no longer exists (${error.message})`
              : `${functionName}: ${(error as Error).name}: ${(error as Error).message}`,
          );
        }
      }),
    );
    const summary = moves.map(({ functionName, from, to }) => `${functionName} ${from}->${to}`).join(', ');
    return failures.length > 0
      ? { target: this.name, outcome: 'failed', detail: `alias ${alias}: ${failures.join('; ')}` }
      : {
          target: this.name,
          outcome: 'restored',
          detail: `alias ${alias}: ${summary}, weights cleared`,
          expectations: [{ target: 'lambda-alias', alias, versions: Object.fromEntries(moves.map(({ functionName, to }) => [functionName, to])) }],
        };
  }

  /** Drill: read each alias (as the validator does) and say what would move. */
  async #describe(alias: string, moves: readonly { functionName: string; to: string }[]): Promise<RestoreResult> {
    const reader = new LambdaAliasReader(this.lambda);
    const lines = await Promise.all(
      moves.map(async ({ functionName, to }) => {
        const current = await reader.readAlias(functionName, alias);
        if (current.error) return `${functionName} ?->${to} (cannot read alias: ${current.error})`;
        const weights = current.weightedVersions;
        return `${functionName} ${current.version}->${to}${weights.length ? ` (clearing weights on ${weights.join(', ')})` : ''}`;
      }),
    );
    return { target: this.name, outcome: 'would_restore', detail: `would move alias ${alias}: ${lines.join(', ')}` };
  }
}
