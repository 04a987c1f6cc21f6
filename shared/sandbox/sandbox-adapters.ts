import type { Delivery, Notifier, RollbackNotification } from '../notify/notifier';
import type { RestoreRequest, RestoreResult, RollbackTarget } from '../targets/rollback-target';
import type { AlarmObservation, CheckPorts } from '../validation/checks/check-ports';
import type { SandboxWorld } from './sandbox-world';

/** Restores a sandbox environment the way the alias and pipeline targets restore a real one. */
export class SandboxTarget implements RollbackTarget {
  readonly name = 'sandbox';
  readonly movesTraffic = true;

  constructor(private readonly world: SandboxWorld) {}

  async restore(request: RestoreRequest): Promise<RestoreResult> {
    const environment = request.environment.name;
    if (request.simulate) {
      return { target: this.name, outcome: 'would_restore', detail: `would move ${environment} from ${this.world.versionOf(environment)} to ${request.to.version}` };
    }
    try {
      const { aliasMoves, pipelineExecutionId } = this.world.restore(environment, request.to);
      const { lambda, pipeline } = request.environment;
      const alias = lambda?.alias ?? 'live';
      return {
        target: this.name,
        outcome: 'restored',
        detail: `alias ${alias}: ${aliasMoves.join(', ') || 'no functions'}, weights cleared${pipeline ? `; stage ${pipeline.stage} rolling back (${pipelineExecutionId})` : ''}`,
        // What the real alias and pipeline targets would promise the validator.
        expectations: [
          ...(lambda && request.to.lambdaVersions ? [{ target: 'lambda-alias' as const, alias, versions: request.to.lambdaVersions }] : []),
          ...(pipeline ? [{ target: 'codepipeline-stage' as const, pipeline: pipeline.name, stage: pipeline.stage, executionId: pipelineExecutionId }] : []),
        ],
      };
    } catch (error) {
      return { target: this.name, outcome: 'failed', detail: (error as Error).message };
    }
  }
}

/** The validator's ports over the sandbox: the real validator code judges simulated evidence. */
export function sandboxCheckPorts(world: SandboxWorld): CheckPorts {
  return {
    alarms: {
      async readAlarms({ prefixes, names }) {
        const observe = (name: string, environment: string): AlarmObservation => {
          const alarming = world.isAlarming(environment);
          return { name, type: 'metric', state: alarming ? 'ALARM' : 'OK', reason: alarming ? 'Threshold Crossed (sandbox)' : '' };
        };
        const byPrefix = prefixes.flatMap((prefix) => {
          const environment = world.environmentWithPrefix(prefix);
          return environment ? [observe(world.alarmNameFor(environment), environment)] : [];
        });
        const byName = names.flatMap((name) => {
          const environment = world.environmentOfAlarm(name);
          return environment ? [observe(name, environment)] : [];
        });
        return [...new Map([...byPrefix, ...byName].map((alarm) => [alarm.name, alarm])).values()];
      },
    },
    health: {
      async probe(check) {
        const environment = world.environmentWithUrl(check.url);
        if (!environment) return { url: check.url, error: 'ENOTFOUND (not in the sandbox)' };
        return { url: check.url, status: world.isAlarming(environment) ? 500 : 200, version: world.versionOf(environment) };
      },
    },
    aliases: {
      async readAlias(functionName) {
        const version = world.aliasVersion(functionName);
        return version ? { functionName, version, weightedVersions: [] } : { functionName, weightedVersions: [], error: 'ResourceNotFoundException (not in the sandbox)' };
      },
    },
    pipelines: {
      async latestStageExecution(pipelineName, stageName) {
        const environment = world.environmentWithStage(pipelineName, stageName);
        if (!environment) return { error: `stage ${stageName} of ${pipelineName} is not in the sandbox` };
        return { executionId: world.stageExecutionOf(environment), status: 'Succeeded' };
      },
    },
  };
}

/** Keeps what would have been published, for the drill to print. */
export class RecordingNotifier implements Notifier {
  readonly published: RollbackNotification[] = [];

  async notify(notification: RollbackNotification): Promise<Delivery> {
    this.published.push(notification);
    return 'published';
  }
}
