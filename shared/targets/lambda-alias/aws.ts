import type { LambdaClient } from '@aws-sdk/client-lambda';
import { errorLine } from '../../aws/error-line';
import { loadOnce } from '../../aws/load-once';
import type { ClientFactory } from '../client-factory';
import type { TargetDriver } from '../target-plugin';
import { readAliasTraffic } from './traffic';
import {
  aliasExpectation,
  describeMoves,
  describeVersions,
  functionsWithoutVersion,
  judgeAliases,
  trafficEvidence,
  type AliasReading,
  type LambdaAliasConfig,
  type LambdaAliasExpectation,
  type LambdaAliasPoint,
} from './lambda-alias-rules';

const lambdaSdk = loadOnce(() => import('@aws-sdk/client-lambda'));

/** GetAlias, with a failure as data: the drill and the validator report it, they do not stop on it. */
export async function readAlias(lambda: LambdaClient, functionName: string, alias: string): Promise<AliasReading> {
  const { GetAliasCommand } = await lambdaSdk();
  try {
    const result = await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: alias }));
    return { functionName, version: result.FunctionVersion, weightedVersions: Object.keys(result.RoutingConfig?.AdditionalVersionWeights ?? {}) };
  } catch (error) {
    return { functionName, weightedVersions: [], error: `${errorLine(error)}` };
  }
}

/**
 * Points each configured function's alias back at the version the known-good deployment recorded,
 * clearing any weighted routing a half-finished traffic shift left. The instant traffic fix.
 */
export function lambdaAliasDriver(clients: ClientFactory): TargetDriver<LambdaAliasConfig, LambdaAliasPoint, LambdaAliasExpectation> {
  const client = async (config: LambdaAliasConfig) => clients.client((await lambdaSdk()).LambdaClient, config);
  // The restored versions' baselines do not change during a run: read once per container.
  const baselines = new Map<string, { invocations: number; errors: number }>();
  const readAll = async (config: LambdaAliasConfig, functions: readonly string[], alias: string) => {
    const lambda = await client(config);
    return Promise.all(functions.map((name) => readAlias(lambda, name, alias)));
  };
  return {
    async restore({ config, from, to, fromStartedAt, toDeploymentId, simulate }) {
      const missing = functionsWithoutVersion(config, to);
      if (missing.length > 0) return { outcome: 'failed', detail: `known-good deployment ${toDeploymentId} recorded no version for ${missing.join(', ')}: cannot restore them` };
      if (simulate) {
        const readings = new Map((await readAll(config, config.functions, config.alias)).map((reading) => [reading.functionName, reading]));
        const weights = [...readings.values()].flatMap((reading) => reading.weightedVersions.map((version) => `${reading.functionName}:${version}`));
        const unreadable = [...readings.values()].filter((reading) => reading.error).map((reading) => `${reading.functionName} (${reading.error})`);
        return {
          outcome: 'would_restore',
          detail: `would move alias ${config.alias}: ${describeMoves(config, to, (name) => readings.get(name)?.version)}${weights.length ? `, clearing weights on ${weights.join(', ')}` : ''}${unreadable.length ? `; cannot read ${unreadable.join(', ')}` : ''}`,
        };
      }
      const lambda = await client(config);
      const { ResourceNotFoundException, UpdateAliasCommand } = await lambdaSdk();
      /** Moves one alias; the refusal as a line a person acts on, or undefined when it moved. */
      const move = async (functionName: string): Promise<string | undefined> => {
        const version = to.versions[functionName]!;
        try {
          await lambda.send(new UpdateAliasCommand({ FunctionName: functionName, Name: config.alias, FunctionVersion: version, RoutingConfig: { AdditionalVersionWeights: {} } }));
          return undefined;
        } catch (error) {
          return error instanceof ResourceNotFoundException
            ? `${functionName}: version ${version} or alias ${config.alias} no longer exists (${error.message})`
            : `${functionName}: ${errorLine(error)}`;
        }
      };
      const first = await Promise.all(config.functions.map(async (functionName) => [functionName, await move(functionName)] as const));
      // A refused alias is tried once more: the others already moved, and traffic split between versions is the worst state to stop in.
      const refused = await Promise.all(first.filter(([, failure]) => failure !== undefined).map(async ([functionName]) => [functionName, await move(functionName)] as const));
      const failures = refused.filter(([, failure]) => failure !== undefined).map(([, failure]) => failure!);
      if (failures.length > 0) {
        // Say, per function, what serves traffic now: a person must know whether it is split.
        const serving = (await readAll(config, config.functions, config.alias)).map((reading) =>
          reading.version === undefined ? `${reading.functionName} unreadable (${reading.error})` : `${reading.functionName} serves ${reading.version}${reading.version === to.versions[reading.functionName] ? ' (restored)' : ''}`,
        );
        return { outcome: 'failed', detail: `alias ${config.alias}: ${failures.join('; ')} (tried twice); now ${serving.join(', ')}` };
      }
      return {
        outcome: 'restored',
        detail: `alias ${config.alias}: ${describeMoves(config, to, (name) => from?.versions[name])}, weights cleared`,
        expectations: [aliasExpectation(config, to, from, fromStartedAt)],
      };
    },

    async check(config, expectation) {
      return judgeAliases(expectation, await readAll(config, Object.keys(expectation.versions), expectation.alias));
    },

    async evidence(config, expectation, window) {
      const cloudWatch = await clients.client((await import('@aws-sdk/client-cloudwatch')).CloudWatchClient, config);
      return trafficEvidence(await readAliasTraffic(cloudWatch, expectation, window, baselines), window.errorRate);
    },

    async readiness(config, point) {
      const missing = functionsWithoutVersion(config, point);
      if (missing.length > 0) return { ready: false, detail: `no version recorded for ${missing.join(', ')}` };
      const lambda = await client(config);
      const { GetFunctionConfigurationCommand } = await lambdaSdk();
      const problems = await Promise.all(
        config.functions.map(async (functionName) => {
          const version = point.versions[functionName]!;
          try {
            await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: version }));
            return undefined;
          } catch (error) {
            return `${functionName} version ${version}: ${errorLine(error)}`;
          }
        }),
      );
      const found = problems.filter((problem): problem is string => problem !== undefined);
      return found.length > 0 ? { ready: false, detail: found.join('; ') } : { ready: true, detail: `versions ${describeVersions(point)} exist` };
    },

    async capture(config) {
      const readings = await readAll(config, config.functions, config.alias);
      const unreadable = readings.filter((reading) => !reading.version);
      if (unreadable.length > 0) throw new Error(`cannot read alias ${config.alias} of ${unreadable.map((reading) => `${reading.functionName} (${reading.error})`).join(', ')}`);
      return { versions: Object.fromEntries(readings.map((reading) => [reading.functionName, reading.version!])) };
    },
  };
}
