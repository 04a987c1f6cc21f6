import { defineTarget } from '../target-plugin';
import { cloudFormationStackDriver } from './aws';
import { cloudFormationStackConfigSchema, cloudFormationStackExpectationSchema, cloudFormationStackPointSchema, describeStack, templateHash, templateKeyOf } from './cloudformation-stack-rules';
import { cloudFormationStackTwin } from './sandbox';

/** A CloudFormation stack a deployment changed: back to the known good's template and parameters, by a reviewed change set. */
export const cloudFormationStackTarget = defineTarget({
  type: 'cloudformation-stack',
  title: 'CloudFormation stack',
  movesTraffic: false,
  pointIsServedState: true,
  keepsArtifacts: true,
  checkName: 'cloudformation-stack',
  configSchema: cloudFormationStackConfigSchema,
  restorePointSchema: cloudFormationStackPointSchema,
  expectationSchema: cloudFormationStackExpectationSchema,
  describeConfig: (config) => describeStack(config),
  describeRestorePoint: (point) => `template ${point.templateHash.slice(0, 12)}${point.parameters.length > 0 ? ` with ${point.parameters.length} parameter(s)` : ''}`,
  resourceKeys: (config) => [`cloudformation ${config.roleArn ?? ''} ${config.region ?? ''} ${config.stackName}`],
  // A template kept for another stack is never put into this one.
  pointProblems: (config, point) => (point.templateKey.startsWith(`cloudformation-stack/${config.stackName}/`) ? [] : [`template ${point.templateKey} was kept for another stack, not ${config.stackName}`]),
  iam: (config, arn) => {
    const stackReason = 'A stack’s ARN ends in its id, unknown until it was created: stack/<name>/* names this stack only';
    const stack = arn('cloudformation', `stack/${config.stackName}/*`);
    const changeSets = arn('cloudformation', 'changeSet/rollback-*/*');
    const read = { actions: ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate'], resources: [stack], wildcardReason: stackReason };
    return {
      restore: [
        read,
        { actions: ['cloudformation:CancelUpdateStack', 'cloudformation:ContinueUpdateRollback'], resources: [stack], wildcardReason: stackReason },
        {
          actions: ['cloudformation:CreateChangeSet', 'cloudformation:DescribeChangeSet', 'cloudformation:ExecuteChangeSet', 'cloudformation:DeleteChangeSet'],
          resources: [stack, changeSets],
          wildcardReason: `${stackReason}; the controller's change sets are named rollback-<run> (changeSet/rollback-*/*)`,
        },
        ...(config.serviceRoleArn ? [{ actions: ['iam:PassRole'], resources: [config.serviceRoleArn], conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } } }] : []),
      ],
      check: [read],
      capture: [read],
      readiness: [{ actions: ['cloudformation:DescribeStacks'], resources: [stack], wildcardReason: stackReason }],
    };
  },
  aws: (clients) => cloudFormationStackDriver(clients),
  sandbox: cloudFormationStackTwin,
  demoRestorePoint: (config, release) => {
    const hash = templateHash(JSON.stringify({ Description: `${config.stackName} ${release.version}` }));
    return { templateHash: hash, templateKey: templateKeyOf(config.stackName, hash), parameters: [{ key: 'Release', value: release.version }], capabilities: ['CAPABILITY_IAM' as const] };
  },
  recordFlag: {
    flags: '--stack-template <hash|KEY=VALUE>',
    description: 'the SHA-256 of a template already kept in the artifact bucket (by an earlier capture), and each stack parameter as KEY=VALUE (repeat)',
    parse: (values, config) => {
      const hashes = values.filter((value) => /^[a-f0-9]{64}$/.test(value));
      if (hashes.length !== 1) throw new Error(`needs exactly one template hash (64 hex digits), got ${hashes.length}`);
      const parameters = values.filter((value) => value !== hashes[0]).map((value) => {
        const split = value.indexOf('=');
        if (split < 1) throw new Error(`"${value}" is neither a template hash nor KEY=VALUE`);
        return { key: value.slice(0, split), value: value.slice(split + 1) };
      });
      return { templateHash: hashes[0]!, templateKey: templateKeyOf(config.stackName, hashes[0]!), parameters: parameters.sort((left, right) => left.key.localeCompare(right.key)), capabilities: [] };
    },
  },
  scenario: [
    {
      name: 'infra-rollback',
      story: 'the release also changed the environment’s CloudFormation stack; the rollback reviews a change set back to the known good’s template and parameters (nothing stateful replaced) and executes it, and the stack must settle on that template',
    },
    {
      name: 'stateful-replace-refused',
      story: 'the change set back to the known good would replace the orders table: the restore of the stack stops, the change set is kept for review and never executed, and the run escalates to a person instead of widening',
      twinFault: 'Replace OrdersTable (AWS::DynamoDB::Table): it holds data',
    },
  ],
});
