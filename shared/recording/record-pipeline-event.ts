import type { EnvironmentConfig, RollbackConfig } from '../config';
import { describeIssues } from '../config/load-config';
import { stageExecutionEventSchema, type StageState } from '../events/pipeline-event';
import type { RecordableStatus } from '../history/deployment-record';
import type { DeploymentHistory } from '../history/deployment-history';
import type { RunLogger } from '../rollback/run-dependencies';
import type { TargetDrivers } from '../targets/target-drivers';
import { recordingTargets, targetPlugin } from '../targets/target-registry';
import { trafficMovedBy, type DeployFailureReporter } from './deploy-failure';
import type { PipelineExecutionReader } from './pipeline-execution-reader';

export interface RecorderDependencies {
  config: RollbackConfig;
  history: DeploymentHistory;
  executions: PipelineExecutionReader;
  /** Each target's capture of what is live now: its restore point on the deployment. */
  targets: TargetDrivers;
  /** Where a failed deploy that moved traffic is reported (environments with rollbackOnDeployFailure). */
  deployFailures?: DeployFailureReporter;
  logger: RunLogger;
}

export type RecorderResult =
  | {
      outcome: 'created' | 'updated' | 'unchanged';
      deploymentId: string;
      kind: 'deployment' | 'restore';
      status: RecordableStatus;
      environment: string;
      /** A failed deploy moved traffic on these targets, and its rollback was asked for. */
      rollbackRequested?: string[];
      /** Why what the targets serve was not recorded as this deployment's (another execution entered the stage first). */
      restorePointsUnknown?: string;
    }
  | { outcome: 'ignored' | 'rejected'; reason: string };

/** Stage states → deployment status; STOPPING is not an end, so it records nothing. Pure. */
export function statusForStageState(state: StageState): RecordableStatus | undefined {
  switch (state) {
    case 'STARTED':
    case 'RESUMED':
      return 'in_progress';
    case 'SUCCEEDED':
      return 'succeeded';
    case 'FAILED':
    case 'STOPPED':
    case 'CANCELED':
    case 'SUPERSEDED':
      return 'failed';
    case 'STOPPING':
      return undefined;
    default: {
      const exhaustive: never = state;
      throw new Error(`unhandled stage state ${String(exhaustive)}`);
    }
  }
}

/**
 * Every top-level attribute the recorder ever writes. Its IAM policy allows writes of these only, on
 * items keyed by a configured stage (`dynamodb:Attributes`, `dynamodb:LeadingKeys`): it cannot touch
 * a rollback, a journal, a pause or a record made by anyone else.
 */
export const RECORDER_WRITES = [
  'deploymentId',
  'kind',
  'environment',
  'version',
  'status',
  'startedAt',
  'finishedAt',
  'updatedAt',
  'source',
  'restorePoints',
  'restorePointsUnknown',
  'pipeline',
  'sourceRevision',
  'stageState',
  'restoreOf',
  // On the environment's head (`control#<environment>`): what is live, moved by the deployments it records,
  // and the reconcile queue's entry that makes its readiness due a check.
  'live',
  'reconcileQueue',
  'reconcileAt',
] as const;

/** One record per (pipeline, stage, execution): the same event twice lands on the same item. */
export function deploymentIdFor(pipeline: string, stage: string, executionId: string): string {
  return `${pipeline}/${stage}/${executionId}`;
}

/** The environments whose deployments the recorder records (their heads' live state is its to move too). Pure. */
export function recordedEnvironments(config: RollbackConfig): string[] {
  return config.environments.filter((environment) => environment.targets.some((target) => targetPlugin(target.type).deploysFromStage?.(target))).map((environment) => environment.name);
}

/** Every pipeline stage a configured target deploys from: what the recorder is sent, and may write records of. Pure. */
export function recordedStages(config: RollbackConfig): { pipeline: string; stage: string }[] {
  return config.environments.flatMap((environment) =>
    environment.targets.flatMap((target) => {
      const stage = targetPlugin(target.type).deploysFromStage?.(target);
      return stage ? [stage] : [];
    }),
  );
}

/** The environment a target of which deploys from this pipeline stage. */
function environmentForStage(config: RollbackConfig, pipeline: string, stage: string): EnvironmentConfig | undefined {
  return config.environments.find((environment) => environment.targets.some((target) => deploysFromThisStage(target, { pipeline, stage })));
}

/**
 * Primary course: a stage event of a configured pipeline → read the execution (its revision, and
 * whether it is a rollback) → on success capture every target's restore point → record it, idempotently.
 */
export async function recordPipelineEvent(raw: unknown, deps: RecorderDependencies): Promise<RecorderResult> {
  const parsed = stageExecutionEventSchema.safeParse(raw);
  if (!parsed.success) return { outcome: 'rejected', reason: `stage event: ${describeIssues(parsed.error).join('; ')}` };
  const { pipeline, stage, state, 'execution-id': executionId } = parsed.data.detail;
  const environment = environmentForStage(deps.config, pipeline, stage);
  if (!environment) {
    deps.logger.info('event ignored: stage not configured', { pipeline, stage });
    return { outcome: 'ignored', reason: `${pipeline}/${stage} deploys no configured environment` };
  }
  const status = statusForStageState(state);
  if (!status) return { outcome: 'ignored', reason: `${state} is not a deployment state change` };

  const execution = await deps.executions.readExecution(pipeline, executionId);
  const isRestore = execution.executionType === 'ROLLBACK';
  const deploymentId = deploymentIdFor(pipeline, stage, executionId);
  const restoreOf = isRestore && execution.rollbackTargetExecutionId ? deploymentIdFor(pipeline, stage, execution.rollbackTargetExecutionId) : undefined;
  const revision = execution.revisions[0];
  const restored = restoreOf ? await deps.history.getDeployment(restoreOf) : undefined;
  const version = restored?.version ?? revision?.revisionId?.slice(0, 12) ?? executionId;
  // A deploy that failed where failed deploys roll back: what did it leave live? (Its rollback needs to know.)
  const watchesFailure = state === 'FAILED' && !isRestore && environment.rollbackOnDeployFailure;
  const stageExecution = { pipeline, stage, executionId };
  const when = status === 'succeeded' ? 'succeeded' : watchesFailure ? 'failed' : 'other';
  const everything = await captureRestorePoints(environment, deps.targets, stageExecution, when, deps.logger);
  const { captured, unattributed } = when === 'other' ? { captured: everything } : await attributable(everything, environment, stageExecution, deps.executions);
  if (unattributed) deps.logger.warn('live state not recorded: another execution entered the stage first', { deploymentId, unattributed });
  const moved = watchesFailure && !unattributed ? trafficMovedBy(captured, (await deps.history.findRollbackPair(environment)).lastKnownGood) : [];
  // A failed deploy keeps its traffic targets' points only when it moved them: otherwise it is not live.
  const restorePoints = watchesFailure && moved.length === 0 ? Object.fromEntries(Object.entries(captured).filter(([type]) => !targetPlugin(type).movesTraffic)) : captured;

  const result = await deps.history.recordDeployment({
    deploymentId,
    kind: isRestore ? 'restore' : 'deployment',
    environment: environment.name,
    version,
    status,
    at: new Date(parsed.data.time),
    source: 'codepipeline',
    pipeline: { name: pipeline, stage, executionId },
    ...(revision?.revisionId ? { sourceRevision: [revision.revisionId, revision.revisionSummary].filter(Boolean).join(' ').slice(0, 500) } : {}),
    ...(Object.keys(restorePoints).length > 0 ? { restorePoints } : {}),
    ...(state !== 'SUCCEEDED' && status !== 'in_progress' ? { stageState: state } : {}),
    ...(restoreOf ? { restoreOf } : {}),
    ...(unattributed ? { restorePointsUnknown: unattributed } : {}),
  });
  deps.logger.info('deployment recorded', { deploymentId, outcome: result.outcome, status, kind: isRestore ? 'restore' : 'deployment' });
  const recorded = {
    outcome: result.outcome,
    deploymentId,
    kind: isRestore ? ('restore' as const) : ('deployment' as const),
    status: result.deployment.status as RecordableStatus,
    environment: environment.name,
    ...(unattributed ? { restorePointsUnknown: unattributed } : {}),
  };
  if (moved.length === 0) return recorded;
  if (!deps.deployFailures) throw new Error(`${deploymentId} failed after it moved ${moved.join(', ')}, and no orchestrator is wired to roll it back`);
  // A throw from here has EventBridge deliver the event again: recording repeats as a no-op, the request id stays the same.
  await deps.deployFailures.report({ action: 'deploy_failed', environment: environment.name, deploymentId, requestedBy: `codepipeline ${pipeline}/${stage}`, requestId: `deploy-failed-${executionId}` });
  deps.logger.warn('deploy failed after moving traffic: rollback requested', { deploymentId, moved });
  return { ...recorded, rollbackRequested: moved };
}

type StageExecutionRef = { pipeline: string; stage: string; executionId: string };

/** A target that deploys from this pipeline stage: its restore point is the event's own execution, not what is live. */
function deploysFromThisStage(config: EnvironmentConfig['targets'][number], execution: { pipeline: string; stage: string }): boolean {
  const deploysFrom = targetPlugin(config.type).deploysFromStage?.(config);
  return deploysFrom?.pipeline === execution.pipeline && deploysFrom.stage === execution.stage;
}

/**
 * What is live belongs to this execution only while it is still the stage's latest: a late event,
 * handled after a newer execution entered the stage, would otherwise record the newer one's versions
 * here, and a rollback to this deployment would restore them. Read after the capture, so nothing can
 * have entered the stage unseen in between. Then only the execution-keyed points are kept.
 */
async function attributable(
  captured: Record<string, unknown>,
  environment: EnvironmentConfig,
  execution: StageExecutionRef,
  executions: PipelineExecutionReader,
): Promise<{ captured: Record<string, unknown>; unattributed?: string }> {
  const liveTypes = environment.targets.filter((config) => !deploysFromThisStage(config, execution) && config.type in captured).map((config) => config.type);
  if (liveTypes.length === 0) return { captured };
  const latest = await executions.latestStageExecution(execution.pipeline, execution.stage);
  if (latest === execution.executionId) return { captured };
  const kept = Object.fromEntries(Object.entries(captured).filter(([type]) => !liveTypes.includes(type)));
  return {
    captured: kept,
    unattributed: `${liveTypes.join(', ')} not recorded: execution ${latest ?? '(none)'} entered ${execution.pipeline}/${execution.stage} before this event was handled, so what is live now may be its, not this deployment's`,
  };
}

/**
 * Each target's restore point: the stage's own execution at every state (a rollback stops the
 * in-flight one); every other target's live state once the stage succeeded (what a later rollback
 * to this deployment puts back), or failed where failed deploys roll back. After a failure a target
 * that cannot be read is left out (and logged): the others still say whether traffic moved.
 */
async function captureRestorePoints(
  environment: EnvironmentConfig,
  targets: TargetDrivers,
  pipelineExecution: { pipeline: string; stage: string; executionId: string },
  when: 'succeeded' | 'failed' | 'other',
  logger: RunLogger,
): Promise<Record<string, unknown>> {
  const points = await Promise.all(
    recordingTargets(environment.targets).map(async (config) => {
      const plugin = targetPlugin(config.type);
      if (!deploysFromThisStage(config, pipelineExecution) && when === 'other') return undefined;
      try {
        const point = await targets.driverFor(plugin.type, environment.name).capture(plugin.configSchema.parse(config), { pipelineExecution });
        return [plugin.type, plugin.restorePointSchema.parse(point)] as const;
      } catch (error) {
        if (when !== 'failed') throw error;
        logger.error('cannot read what a target serves after a failed deploy', { environment: environment.name, target: plugin.type, error: (error as Error).message });
        return undefined;
      }
    }),
  );
  return Object.fromEntries(points.filter((entry) => entry !== undefined));
}
