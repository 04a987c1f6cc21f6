import { parseConfig, type RollbackConfig } from '../../shared/config';

/**
 * A generated organisation: `count` environments of one application, each a Lambda alias and a
 * health URL (the shape the scale issue measured), alarm prefixes that never overlap.
 */
export function rawFleetConfig(count: number, extra: Record<string, unknown> = {}, options: { everyTarget?: boolean } = {}): Record<string, unknown> {
  return {
    application: 'fleet',
    environments: Array.from({ length: count }, (_, index) => ({
      name: `env${index}`,
      alarms: { prefixes: [`fleet-env${index}-`] },
      targets: options.everyTarget ? everyTarget(index) : [{ type: 'lambda-alias', alias: 'live', functions: [`fleet-env${index}-api`] }],
      healthChecks: [{ url: `https://env${index}.fleet.example.com/health` }],
    })),
    ...extra,
  };
}

/**
 * One of each of the nine target types, with resources of its own (one AppConfig application with an
 * environment each, as organisations lay AppConfig out).
 */
function everyTarget(index: number): Record<string, unknown>[] {
  const id = String(index).padStart(4, '0');
  return [
    { type: 'lambda-alias', alias: 'live', functions: [`fleet-env${index}-api`, `fleet-env${index}-worker`] },
    { type: 'codepipeline-stage', pipeline: 'fleet-release', stage: `DeployEnv${index}` },
    { type: 's3-cloudfront', bucket: `fleet-frontend-env${index}`, releasesPrefix: 'releases/', distributionId: `E2FLEET${id}`, pointer: { kind: 'origin-path', originId: 'frontend-releases' } },
    { type: 'route53-weighted', hostedZoneId: `Z0FLEET${id}`, recordName: `api.env${index}.fleet.example.com`, recordType: 'A', setIdentifiers: ['blue', 'green'] },
    { type: 'codedeploy', application: 'fleet', deploymentGroup: `fleet-env${index}-web`, platform: 'ECS' },
    { type: 'ecs-service', cluster: 'fleet', service: `fleet-env${index}-jobs` },
    { type: 'cloudformation-stack', stackName: `fleet-env${index}-infra`, serviceRoleArn: `arn:aws:iam::123456789012:role/fleet-env${index}-cfn` },
    { type: 'appconfig', application: 'fleet01', environment: `e${id}`, configurationProfile: 'flags01', deploymentStrategy: 'AppConfig.AllAtOnce' },
    { type: 'hook', before: { function: `fleet-env${index}-freeze` }, after: { function: `fleet-env${index}-purge` } },
  ];
}

export function fleetConfig(count: number, extra: Record<string, unknown> = {}, options: { everyTarget?: boolean } = {}): RollbackConfig {
  return parseConfig(rawFleetConfig(count, extra, options));
}
