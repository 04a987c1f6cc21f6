import type { CodeDeployClient, DeploymentInfo } from '@aws-sdk/client-codedeploy';
import { errorLine } from '../../aws/error-line';
import { loadOnce } from '../../aws/load-once';
import type { ClientFactory } from '../client-factory';
import type { TargetDriver, TargetRestoreResult } from '../target-plugin';
import {
  deploymentConfigOf,
  describeGroup,
  isInFlight,
  isSameRevision,
  judgeDeployment,
  runMarker,
  type CodeDeployConfig,
  type CodeDeployExpectation,
  type CodeDeployPoint,
  type DeploymentReading,
} from './codedeploy-rules';

const codeDeploySdk = loadOnce(() => import('@aws-sdk/client-codedeploy'));

/**
 * A CodeDeploy deployment group (Lambda or ECS blue/green). A deployment still in flight is stopped
 * with automatic rollback (CodeDeploy moves traffic back itself); otherwise the known good's revision
 * is deployed again. Either way the validator waits for that deployment to succeed.
 */
export function codeDeployDriver(clients: ClientFactory): TargetDriver<CodeDeployConfig, CodeDeployPoint, CodeDeployExpectation> {
  const codeDeploy = async (config: CodeDeployConfig): Promise<CodeDeployClient> => clients.client((await codeDeploySdk()).CodeDeployClient, config);

  const getDeployment = async (config: CodeDeployConfig, deploymentId: string): Promise<DeploymentInfo> => {
    const { GetDeploymentCommand } = await codeDeploySdk();
    const result = await (await codeDeploy(config)).send(new GetDeploymentCommand({ deploymentId }));
    if (!result.deploymentInfo) throw new Error(`deployment ${deploymentId} returned no description`);
    return result.deploymentInfo;
  };

  const getGroup = async (config: CodeDeployConfig) => {
    const { GetDeploymentGroupCommand } = await codeDeploySdk();
    const result = await (await codeDeploy(config)).send(new GetDeploymentGroupCommand({ applicationName: config.application, deploymentGroupName: config.deploymentGroup }));
    return result.deploymentGroupInfo ?? {};
  };

  return {
    async restore({ config, to, toVersion, environment, runId, simulate }) {
      const group = describeGroup(config);
      const fail = (detail: string): TargetRestoreResult<CodeDeployExpectation> => ({ outcome: 'failed', detail: `${group}: ${detail}` });
      const watch = (deploymentId: string) => [{ target: 'codedeploy' as const, deploymentId }];
      let known: DeploymentInfo;
      let attempted: DeploymentInfo | undefined;
      let live: DeploymentInfo | undefined;
      try {
        known = await getDeployment(config, to.deploymentId);
        // Another group's (or application's) revision is never deployed into this one.
        if (known.applicationName !== config.application || known.deploymentGroupName !== config.deploymentGroup) {
          return fail(`known-good deployment ${to.deploymentId} belongs to ${known.applicationName ?? '?'}/${known.deploymentGroupName ?? '?'}, not this group: refused`);
        }
        if (!known.revision) return fail(`known-good deployment ${to.deploymentId} has no revision to deploy again`);
        const info = await getGroup(config);
        [attempted, live] = await Promise.all([
          info.lastAttemptedDeployment?.deploymentId ? getDeployment(config, info.lastAttemptedDeployment.deploymentId) : undefined,
          info.lastSuccessfulDeployment?.deploymentId ? getDeployment(config, info.lastSuccessfulDeployment.deploymentId) : undefined,
        ]);
      } catch (error) {
        return fail(`cannot read the deployments: ${errorLine(error)}`);
      }

      // An earlier attempt of this run already deployed the known good: wait for that one, never deploy twice.
      if (attempted?.deploymentId && attempted.description?.includes(runMarker(runId))) {
        return { outcome: 'restored', detail: `${group}: deployment ${attempted.deploymentId} of this run is ${attempted.status}`, expectations: watch(attempted.deploymentId) };
      }
      if (attempted?.deploymentId && isInFlight(attempted.status)) {
        // CodeDeploy is already rolling back: stopping its rollback would leave the bad version.
        if (attempted.creator === 'codeDeployRollback') return { outcome: 'unchanged', detail: `${group}: CodeDeploy is already rolling back in ${attempted.deploymentId} (${attempted.status})`, expectations: watch(attempted.deploymentId) };
        if (simulate) return { outcome: 'would_restore', detail: `would stop ${attempted.deploymentId} (${attempted.status}) with automatic rollback` };
        try {
          const { StopDeploymentCommand } = await codeDeploySdk();
          const stopped = await (await codeDeploy(config)).send(new StopDeploymentCommand({ deploymentId: attempted.deploymentId, autoRollbackEnabled: true }));
          return {
            outcome: 'restored',
            detail: `${group}: stopped ${attempted.deploymentId} with automatic rollback (${[stopped.status, stopped.statusMessage].filter(Boolean).join(': ')})`,
            expectations: [{ target: 'codedeploy', rollbackOf: attempted.deploymentId }],
          };
        } catch (error) {
          return fail(`cannot stop ${attempted.deploymentId}: ${errorLine(error)}`);
        }
      }
      if (live?.deploymentId && isSameRevision(live.revision, known.revision)) {
        return { outcome: 'unchanged', detail: `${group}: ${live.deploymentId} already runs the revision of ${to.deploymentId}`, expectations: watch(live.deploymentId) };
      }
      if (simulate) return { outcome: 'would_restore', detail: `would deploy the revision of ${to.deploymentId} to ${group} again (${deploymentConfigOf(config)}), replacing ${live?.deploymentId ?? 'nothing'}` };
      try {
        const { CreateDeploymentCommand } = await codeDeploySdk();
        const created = await (await codeDeploy(config)).send(
          new CreateDeploymentCommand({
            applicationName: config.application,
            deploymentGroupName: config.deploymentGroup,
            revision: known.revision,
            deploymentConfigName: deploymentConfigOf(config),
            description: `${runMarker(runId)}: ${environment} back to ${toVersion} (the revision of ${to.deploymentId})`,
          }),
        );
        if (!created.deploymentId) return fail('CreateDeployment returned no deployment id');
        return { outcome: 'restored', detail: `${group}: deployment ${created.deploymentId} of the revision of ${to.deploymentId}`, expectations: watch(created.deploymentId) };
      } catch (error) {
        return fail(`cannot deploy the revision of ${to.deploymentId}: ${errorLine(error)}`);
      }
    },

    async check(config, expectation) {
      const reading: DeploymentReading = {};
      try {
        reading.deploymentId = expectation.rollbackOf ? (await getDeployment(config, expectation.rollbackOf)).rollbackInfo?.rollbackDeploymentId : expectation.deploymentId;
        if (reading.deploymentId) reading.status = (await getDeployment(config, reading.deploymentId)).status;
      } catch (error) {
        reading.error = `cannot read the deployment: ${errorLine(error)}`;
      }
      return judgeDeployment(expectation, reading);
    },

    /** Its revision can be deployed again while the deployment is this group's, succeeded, and still names one. */
    async readiness(config, point) {
      try {
        const known = await getDeployment(config, point.deploymentId);
        if (known.applicationName !== config.application || known.deploymentGroupName !== config.deploymentGroup) {
          return { ready: false, detail: `deployment ${point.deploymentId} belongs to ${known.applicationName ?? '?'}/${known.deploymentGroupName ?? '?'}, not ${describeGroup(config)}` };
        }
        if (!known.revision) return { ready: false, detail: `deployment ${point.deploymentId} has no revision to deploy again` };
        if (known.status !== 'Succeeded') return { ready: false, detail: `deployment ${point.deploymentId} is ${known.status ?? 'unknown'}, not Succeeded` };
        return { ready: true, detail: `deployment ${point.deploymentId} succeeded; its revision can be deployed again` };
      } catch (error) {
        return { ready: false, detail: `cannot read deployment ${point.deploymentId}: ${errorLine(error)}` };
      }
    },

    async capture(config) {
      const deploymentId = (await getGroup(config)).lastSuccessfulDeployment?.deploymentId;
      if (!deploymentId) throw new Error(`${describeGroup(config)} has no successful deployment to record`);
      return { deploymentId };
    },
  };
}
