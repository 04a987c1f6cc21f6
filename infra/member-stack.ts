import { Aws, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import { AccountPrincipal, Policy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { EnvironmentConfig, RollbackConfig } from '../shared/config';
import { recordedStages } from '../shared/recording/record-pipeline-event';
import { alarmEventPattern } from './constructs/alarm-trigger';
import { ALARM_READ_WILDCARD, alarmReadStatement, METRIC_READ_WILDCARD, metricReadStatement, targetGrants } from './controller-permissions';

/** An account and region, other than the controller's, where environments live. */
export interface MemberPlace {
  account: string;
  region: string;
  environments: EnvironmentConfig[];
}

/** The controller's function roles are named this way (when environments live elsewhere): a member role trusts only them. */
export function controllerRoleName(application: string, functionName: string): string {
  return `rbc-${application}-${functionName}`;
}

/**
 * Each account and region other than the controller's where environments live, with those
 * environments; a role named by environments of two regions of one account would be made twice
 * (IAM is global), so that is refused. Pure.
 */
export function memberPlaces(config: RollbackConfig): MemberPlace[] {
  const home = config.home;
  if (!home) return [];
  const places = new Map<string, MemberPlace>();
  for (const environment of config.environments) {
    const account = environment.account ?? home.account;
    const region = environment.region ?? home.region;
    if (account === home.account && region === home.region) continue;
    const key = `${account}/${region}`;
    (places.get(key) ?? places.set(key, { account, region, environments: [] }).get(key)!).environments.push(environment);
  }
  const roleRegions = new Map<string, string>();
  for (const place of places.values()) {
    for (const environment of place.environments) {
      if (!environment.roleArn) continue;
      const earlier = roleRegions.get(environment.roleArn);
      if (earlier && earlier !== place.region) throw new Error(`${environment.roleArn} is named by environments in ${earlier} and ${place.region}: give each region's environments a role of their own (a member stack makes its role)`);
      roleRegions.set(environment.roleArn, place.region);
    }
  }
  return [...places.values()];
}

export interface RollbackMemberStackProps extends StackProps {
  config: RollbackConfig;
  place: MemberPlace;
}

/**
 * What an account and region where environments live deploys (`cdk deploy <this stack>` with that
 * account's credentials): rules that forward its alarms going into ALARM and its pipelines' stage
 * events to the controller's event bus, and the role the controller's functions assume there —
 * exactly what those environments' targets and checks need, trusted only by those functions.
 */
export class RollbackMemberStack extends Stack {
  constructor(scope: Construct, id: string, props: RollbackMemberStackProps) {
    super(scope, id, props);
    const { config, place } = props;
    const home = config.home!;
    const application = config.application;
    const controllerBus = EventBus.fromEventBusArn(this, 'ControllerBus', `arn:${Aws.PARTITION}:events:${home.region}:${home.account}:event-bus/default`);
    // One role for EventBridge to put the forwarded events on the controller's bus (cross-account and cross-region targets need it).
    const forwarder = new Role(this, 'ForwardingRole', { assumedBy: new ServicePrincipal('events.amazonaws.com'), description: `Forwards ${application}'s alarm and pipeline events to the rollback controller` });
    const local = { ...config, environments: place.environments };
    new Rule(this, 'ForwardAlarms', {
      description: `${application}: alarms of ${place.environments.map((environment) => environment.name).join(', ')} going into ALARM, to the rollback controller in ${home.account}/${home.region}`,
      eventPattern: alarmEventPattern(local),
      targets: [new EventBusTarget(controllerBus, { role: forwarder })],
    });
    const pipelines = [...new Set(recordedStages(local).map((stage) => stage.pipeline))].sort();
    if (pipelines.length > 0) {
      new Rule(this, 'ForwardPipelineEvents', {
        description: `${application}: stage events of ${pipelines.join(', ')}, to the rollback controller's recorder`,
        eventPattern: { source: ['aws.codepipeline'], detailType: ['CodePipeline Stage Execution State Change'], detail: { pipeline: pipelines } },
        targets: [new EventBusTarget(controllerBus, { role: forwarder })],
      });
    }
    // One role per roleArn the environments here name: assumed only by the controller's functions, in the controller's account.
    const byRole = new Map<string, EnvironmentConfig[]>();
    for (const environment of place.environments) {
      if (environment.roleArn) (byRole.get(environment.roleArn) ?? byRole.set(environment.roleArn, []).get(environment.roleArn)!).push(environment);
    }
    [...byRole.entries()].forEach(([roleArn, environments], index) => {
      const roleName = roleArn.slice(roleArn.indexOf(':role/') + ':role/'.length).split('/').at(-1)!;
      const role = new Role(this, `ControllerAccess${index}`, {
        roleName,
        description: `The rollback controller of ${application} (account ${home.account}) restores and checks ${environments.map((environment) => environment.name).join(', ')} here`,
        assumedBy: new AccountPrincipal(home.account).withConditions({
          ArnLike: { 'aws:PrincipalArn': ['orchestrator', 'validator', 'recorder'].map((name) => `arn:${Aws.PARTITION}:iam::${home.account}:role/${controllerRoleName(application, name)}`) },
        }),
      });
      // The targets' own grants, in this account and region (the role is what reaches them: no further role).
      const reached = { ...config, environments: environments.map((environment) => ({ ...environment, targets: environment.targets.map(({ roleArn: _reachedThrough, ...target }) => target) })) };
      const grants = targetGrants(reached as RollbackConfig, this, 'restore', 'readiness', 'check', 'capture');
      new Policy(this, `ControllerAccess${index}Policy`, { roles: [role], statements: [...grants.statements, alarmReadStatement(), metricReadStatement()] });
      // Each wildcard acknowledged once, with every reason AWS allows nothing narrower there (cdk-nag names the partition so).
      const reasons = new Map<string, Set<string>>();
      for (const { resource, reason } of [...grants.wildcards, ALARM_READ_WILDCARD, METRIC_READ_WILDCARD]) (reasons.get(resource) ?? reasons.set(resource, new Set()).get(resource)!).add(reason);
      for (const [resource, why] of reasons) {
        Validations.of(this).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource.split(this.partition).join('<AWS::Partition>')}]`, reason: [...why].join(' ') });
      }
    });
  }
}
