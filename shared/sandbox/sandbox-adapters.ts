import type { Notifier, RollbackNotification } from '../notify/notifier';
import type { RestoreRequest, RestoreResult, RollbackTarget } from '../targets/rollback-target';
import type { AlarmObservation, CheckPorts } from '../validation/checks/check-ports';
import type { SandboxWorld } from './sandbox-world';

/** Restores a sandbox environment the way the alias and pipeline targets restore a real one. */
export class SandboxTarget implements RollbackTarget {
  readonly name = 'sandbox';

  constructor(private readonly world: SandboxWorld) {}

  async restore(request: RestoreRequest): Promise<RestoreResult> {
    const environment = request.environment.name;
    if (request.simulate) {
      return { target: this.name, outcome: 'would_restore', detail: `would move ${environment} from ${this.world.versionOf(environment)} to ${request.to.version}` };
    }
    try {
      const { aliasMoves, pipelineExecutionId } = this.world.restore(environment, request.to);
      const alias = request.environment.lambda?.alias ?? 'live';
      return {
        target: this.name,
        outcome: 'restored',
        detail: `alias ${alias}: ${aliasMoves.join(', ') || 'no functions'}, weights cleared${request.environment.pipeline ? `; stage ${request.environment.pipeline.stage} rolling back (${pipelineExecutionId})` : ''}`,
        ...(request.environment.pipeline ? { pipelineExecutionId } : {}),
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
      async alarmsWithPrefixes(prefixes) {
        return prefixes.flatMap((prefix): AlarmObservation[] => {
          const environment = world.environmentWithPrefix(prefix);
          if (!environment) return [];
          const alarming = world.isAlarming(environment);
          return [{ name: world.alarmNameFor(environment), type: 'metric', state: alarming ? 'ALARM' : 'OK', reason: alarming ? 'Threshold Crossed (sandbox)' : '' }];
        });
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

  async notify(notification: RollbackNotification): Promise<void> {
    this.published.push(notification);
  }
}
