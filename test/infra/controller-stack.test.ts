import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { compactConditions, compactResources, literalGrant, mergeStatements, uniteActions } from '../../infra/controller-permissions';
import { alarmEventPattern } from '../../infra/constructs/alarm-trigger';
import { routeAlarm } from '../../shared/rollback/alarm-routing';
import { fleetConfig } from '../helpers/fleet-config';
import { loadConfig, parseConfig } from '../../shared/config';
import { METRIC } from '../../shared/powertools/metric-names';
import { RECORDER_WRITES } from '../../shared/recording/record-pipeline-event';
import { targetPlugin } from '../../shared/targets/target-registry';
import { ENV, render, resourcesFor, statementsOf, synthesize } from '../helpers/stack-template';
import { declaredGrants, testArn } from '../helpers/target-contract';

const baseConfig = loadConfig('rollback.config.json');

describe('the controller stack', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synthesize(baseConfig));
  });

  it('builds three ARM64 Node 24 functions, with timeouts that fit two validations', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    const byPrefix = (prefix: string) => Object.entries(functions).find(([id]) => id.startsWith(prefix))![1].Properties;
    for (const prefix of ['Orchestrator', 'Validator', 'Recorder']) {
      expect(byPrefix(prefix)).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' });
    }
    const orchestrator = byPrefix('Orchestrator');
    const validator = byPrefix('Validator');
    expect(orchestrator.Timeout).toBe(900);
    expect(validator.Timeout).toBe(330);
    expect(orchestrator.Timeout).toBeGreaterThan(2 * validator.Timeout);
    expect(Object.keys(orchestrator.Environment.Variables).sort()).toEqual([
      'FAILED_EVENTS_QUEUE_URL',
      'HISTORY_TABLE_NAME',
      'NODE_OPTIONS',
      'POWERTOOLS_SERVICE_NAME',
      'REFUSED_REQUESTER_ROLES',
      'RESULT_TOPIC_ARN',
      'ROLLBACK_ARTIFACT_BUCKET',
      'VALIDATOR_FUNCTION_NAME',
    ]);
    expect(orchestrator.LoggingConfig.LogGroup).toBeDefined();
    template.resourceCountIs('AWS::Logs::LogGroup', 3);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('keeps the alarm intake within EventBridge\'s 2,048-character pattern at any size: named while they fit, past that every ALARM, which the orchestrator routes by its config', () => {
    const sizes = [3, 30, 300, 1_000].map((count) => {
      const pattern = alarmEventPattern(fleetConfig(count));
      return { count, length: JSON.stringify(pattern).length, named: '$or' in pattern.detail };
    });
    expect(sizes.map(({ count, named }) => [count, named])).toEqual([[3, true], [30, true], [300, false], [1_000, false]]);
    for (const { length } of sizes) expect(length).toBeLessThanOrEqual(2_048);
    // The broad pattern's alarms are routed (or ignored) by the orchestrator, as CloudWatch sends them.
    const config = fleetConfig(1_000);
    const event = (alarmName: string) => ({ source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', detail: { alarmName, state: { value: 'ALARM' as const, timestamp: '2026-12-06T10:00:00.000+0000' } } }) as never;
    expect(routeAlarm(config, event('fleet-env999-5xx'))).toMatchObject({ act: true, environment: { name: 'env999' } });
    expect(routeAlarm(config, event('someone-elses-alarm'))).toEqual({ act: false, reason: "alarm someone-elses-alarm matches no environment's alarm prefixes" });
  });

  it('triggers the orchestrator on ALARM for the configured prefixes or environment tags, with retries and a dead-letter queue', () => {
    const rules = template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['aws.cloudwatch'] } } });
    const [rule] = Object.values(rules);
    expect(rule!.Properties.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: {
        state: { value: ['ALARM'] },
        $or: [
          { alarmName: [{ prefix: 'demo-shop-test-' }, { prefix: 'demo-shop-staging-' }, { prefix: 'demo-shop-prod-' }] },
          { alarmTags: { environment: ['test', 'staging', 'production'] } },
        ],
      },
    });
    expect(rule!.Properties.Targets[0]).toMatchObject({
      RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^FailedEventsQueue/), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FailedEventsQueue'), 'Arn'] } } },
    });
  });

  it('runs the reconciler every minute with its own input, not retried (the next tick reads the same index)', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: 'rate(1 minute)' } }));
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [expect.stringMatching(/^Orchestrator/), 'Arn'] }, Input: '{"action":"reconcile"}', RetryPolicy: { MaximumRetryAttempts: 0 } }),
    ]);
  });

  it('feeds the configured pipeline stages to the recorder', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.codepipeline'],
        'detail-type': ['CodePipeline Stage Execution State Change'],
        detail: { pipeline: ['demo-shop-release'], stage: ['DeployTest', 'DeployStaging', 'DeployProduction'] },
      },
    });
  });

  it('scopes the orchestrator to exactly the configured functions, pipeline, table, validator and topic', () => {
    const statements = statementsOf(template, 'Orchestrator');
    const functionArn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:${name}`;
    const functions = ['test', 'staging', 'prod'].flatMap((environment) => ['api', 'worker'].map((role) => `demo-shop-${environment}-${role}`));
    expect(resourcesFor(statements, 'lambda:UpdateAlias').sort()).toEqual(functions.flatMap((name) => [functionArn(name), `${functionArn(name)}:live`]).sort());
    expect(resourcesFor(statements, 'codepipeline:RollbackStage').sort()).toEqual(
      ['', '/DeployTest', '/DeployStaging', '/DeployProduction'].map((suffix) => `arn:aws:codepipeline:eu-west-1:123456789012:demo-shop-release${suffix}`).sort(),
    );
    expect(resourcesFor(statements, 'dynamodb:Query')).toHaveLength(4);
    expect(resourcesFor(statements, 'dynamodb:Query').join(' ')).toMatch(/index\/byEnvironment.*index\/rollbacksByEnvironment.*index\/reconcileQueue/);
    expect(resourcesFor(statements, 'dynamodb:Scan')).toEqual([]);
    expect(resourcesFor(statements, 'lambda:InvokeFunction').sort()).toEqual([
      functionArn('demo-shop-prod-freeze-writes'),
      functionArn('demo-shop-prod-purge-cache'),
      expect.stringMatching(/^\{"Fn::GetAtt":\["Validator\w+","Arn"\]\}$/),
    ]);
    expect(resourcesFor(statements, 'sns:Publish')).toEqual([expect.stringMatching(/ResultsTopic/)]);
    expect(resourcesFor(statements, 'sqs:SendMessage')).toEqual([expect.stringMatching(/^\{"Fn::GetAtt":\["FailedEventsQueue\w+","Arn"\]\}$/)]);
    expect(resourcesFor(statements, 'codepipeline:GetPipelineState')).toEqual(['arn:aws:codepipeline:eu-west-1:123456789012:demo-shop-release']);
    // "*" only for actions a target declares AWS allows nothing narrower for (CodeDeploy's StopDeployment, ECS's DescribeTaskDefinition).
    const wildcardActions = baseConfig.environments.flatMap((environment) => environment.targets).flatMap((target) => {
      const plugin = targetPlugin(target.type);
      const iam = plugin.iam(plugin.configSchema.parse(target), testArn(target.region));
      return [...iam.restore, ...iam.readiness].filter((statement) => statement.wildcardReason && statement.resources.includes('*')).flatMap((statement) => statement.actions);
    });
    // And DescribeAlarms, for whether the alarm that fired has its actions enabled (composites need "*").
    expect(statements.filter((statement) => [statement.Resource].flat().includes('*')).flatMap((statement) => [statement.Action].flat()).sort()).toEqual(['cloudwatch:DescribeAlarms', ...wildcardActions].sort());
  });

  it('keeps stack templates in one encrypted, TLS-only, retained bucket: the orchestrator reads and the recorder reads and writes only cloudformation-stack/*, the validator nothing', () => {
    template.resourceCountIs('AWS::S3::Bucket', 1);
    const [id, bucket] = Object.entries(template.findResources('AWS::S3::Bucket'))[0]!;
    expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] }, VersioningConfiguration: { Status: 'Enabled' }, PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true } } });
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy'))[0]!;
    expect(JSON.stringify(policy)).toContain('"aws:SecureTransport":"false"');
    const objects = `{"Fn::Join":["",[{"Fn::GetAtt":["${id}","Arn"]},"/cloudformation-stack/*"]]}`;
    const onBucket = (fn: string) => statementsOf(template, fn).filter((statement) => JSON.stringify(statement.Resource).includes(id)).map((statement) => ({ actions: [statement.Action].flat().sort(), resources: [statement.Resource].flat().map((resource) => JSON.stringify(resource)) }));
    expect(onBucket('Orchestrator')).toEqual([{ actions: ['s3:GetObject'], resources: [objects] }]);
    expect(onBucket('Recorder')).toEqual([{ actions: ['s3:GetObject', 's3:PutObject'], resources: [objects] }]);
    expect(onBucket('Validator')).toEqual([]);
    // Without a target that keeps artifacts, there is no bucket.
    const withoutStacks = { ...baseConfig, environments: baseConfig.environments.map((environment) => ({ ...environment, targets: environment.targets.filter((target) => target.type !== 'cloudformation-stack') })) };
    synthesize(withoutStacks).template.resourceCountIs('AWS::S3::Bucket', 0);
  });

  it('grants each function exactly what every configured target declares for it: restore and readiness, check, capture', () => {
    for (const [purposes, fn] of [[['restore', 'readiness'], 'Orchestrator'], [['check'], 'Validator'], [['capture'], 'Recorder']] as const) {
      const declared: Record<string, Set<string>> = {};
      for (const target of baseConfig.environments.flatMap((environment) => environment.targets)) {
        const plugin = targetPlugin(target.type);
        for (const purpose of purposes) {
          for (const [action, resources] of Object.entries(declaredGrants(plugin.iam(plugin.configSchema.parse(target), testArn(target.region)), purpose))) {
            for (const resource of resources) (declared[action] ??= new Set()).add(resource);
          }
        }
      }
      const statements = statementsOf(template, fn);
      for (const [action, resources] of Object.entries(declared)) {
        // The function's own grants on the stack's resources (the validator it invokes) are tokens; a target's never are.
        const granted = resourcesFor(statements, action).filter((resource) => !resource.startsWith('{"Fn::'));
        expect({ fn, action, resources: [...new Set(granted)].sort() }).toEqual({ fn, action, resources: [...resources].sort() });
      }
    }
  });

  it('gives the validator reads only, and "*" only where AWS requires it (DescribeAlarms, GetMetricData)', () => {
    const statements = statementsOf(template, 'Validator');
    const actions = [...new Set(statements.flatMap((statement) => [statement.Action].flat()))].sort();
    const checks = baseConfig.environments.flatMap((environment) => environment.targets).flatMap((target) => {
      const plugin = targetPlugin(target.type);
      return Object.keys(declaredGrants(plugin.iam(plugin.configSchema.parse(target), testArn(target.region)), 'check'));
    });
    expect(actions).toEqual([...new Set(['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', ...checks])].sort());
    expect(actions.filter((action) => !/^[\w-]+:(Get|Describe|List)/.test(action))).toEqual([]);
    expect(statements.filter((statement) => statement.Resource === '*').map((statement) => statement.Action)).toEqual(['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData']);
  });

  it('takes people\'s requests through a function URL with IAM auth, refusing the controller\'s own roles there, and gives on-call roles a policy to ask through it only', () => {
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Orchestrator'), 'Arn'] } });
    const [orchestrator] = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => id.startsWith('Orchestrator')).map(([, resource]) => resource.Properties);
    const refused = JSON.stringify(orchestrator.Environment.Variables.REFUSED_REQUESTER_ROLES);
    expect(refused).toMatch(/"RecorderServiceRole\w+","Arn"/);
    // With drill schedules, their role is refused too.
    const scheduled = synthesize(parseConfig({ ...structuredClone(baseConfig), drills: { schedule: 'rate(30 days)' } })).template;
    const [scheduledOrchestrator] = Object.entries(scheduled.findResources('AWS::Lambda::Function')).filter(([id]) => id.startsWith('Orchestrator')).map(([, resource]) => resource.Properties);
    expect(JSON.stringify(scheduledOrchestrator.Environment.Variables.REFUSED_REQUESTER_ROLES)).toMatch(/"DrillsRole\w+","Arn"/);

    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter((resource) => JSON.stringify(resource).includes('lambda:InvokeFunctionUrl'));
    const statements = policy!.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown; Condition?: unknown }[];
    expect(statements.map((statement) => [statement.Action].flat().join(',')).sort()).toEqual(['cloudformation:DescribeStacks', 'dynamodb:GetItem,dynamodb:Query', 'lambda:InvokeFunction', 'lambda:InvokeFunctionUrl']);
    expect(statements.find((statement) => statement.Action === 'lambda:InvokeFunctionUrl')!.Condition).toEqual({ StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } });
    // InvokeFunction only through the URL: a direct invocation could not say who asks.
    expect(statements.find((statement) => statement.Action === 'lambda:InvokeFunction')!.Condition).toEqual({ Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } });
    template.hasOutput('RequestUrl', {});
    template.hasOutput('RequesterPolicyArn', {});
  });

  it('keeps the history table encrypted, recoverable and retained', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ SSESpecification: { SSEEnabled: true } }) });
  });

  it('encrypts the results topic with a rotating KMS key and refuses non-TLS publishing', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ResultsKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('sends every one of its own alarms to a topic and key of their own, never the results topic whose failure one of them reports', () => {
    const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
    const alarms = Object.values(resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');
    const resultsTopicId = Object.keys(resources).find((id) => resources[id]!.Type === 'AWS::SNS::Topic' && id.startsWith('ResultsTopic'))!;
    const resultsKeyId = resources[resultsTopicId]!.Properties.KmsMasterKeyId['Fn::GetAtt'][0] as string;

    expect(alarms.map((alarm) => alarm.Properties.AlarmName)).toEqual(expect.arrayContaining(['rollback-controller-demo-shop.notifications-failed', 'rollback-controller-demo-shop.failed-events']));
    for (const alarm of alarms) {
      for (const action of alarm.Properties.AlarmActions) {
        const topic = resources[action.Ref as string]!;
        expect(action.Ref).not.toBe(resultsTopicId);
        expect(topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0]).not.toBe(resultsKeyId);
      }
    }
    // The alarms topic reaches the same people as the results topic.
    const subscribed = synthesize(parseConfig({ ...structuredClone(baseConfig), notifications: { emails: ['oncall@example.com'], httpsEndpoints: ['https://hooks.example.com/rollbacks'] } })).template;
    const subscriptions = Object.values(subscribed.findResources('AWS::SNS::Subscription')).map((subscription) => [subscription.Properties.TopicArn.Ref.replace(/Topic\w+$/, ''), subscription.Properties.Endpoint]);
    const endpoints = (prefix: string) => subscriptions.filter(([topic]) => topic === prefix).map(([, endpoint]) => endpoint).sort();
    expect(endpoints('ControllerAlarms')).toEqual(endpoints('Results'));
    expect(endpoints('Results').length).toBeGreaterThan(0);
    // Nothing lets CloudWatch publish to the results topic any more.
    const resultsPolicy = Object.values(template.findResources('AWS::SNS::TopicPolicy')).find((policy) => policy.Properties.Topics.some((ref: { Ref: string }) => ref.Ref === resultsTopicId))!;
    expect(JSON.stringify(resultsPolicy.Properties.PolicyDocument)).not.toContain('cloudwatch.amazonaws.com');
    template.hasOutput('AlarmTopicArn', {});
  });

  it('grants its own alarms by a name no other application’s alarms can share: "rollback-controller-demo-shop." never matches an application "demo-shop-eu"', () => {
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy')).find((candidate) => JSON.stringify(candidate).includes('cloudwatch.amazonaws.com'))!;
    const allow = policy.Properties.PolicyDocument.Statement.find((statement: any) => statement.Effect === 'Allow');
    const pattern = (allow.Condition.ArnLike['aws:SourceArn']['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : '<ref>')).join('');
    const matches = (alarmName: string) => new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, (character) => (character === '*' ? '.*' : `\\${character}`)).replace(/<ref>/g, '[^:]*')}$`).test(`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarmName}`);

    expect(pattern).toMatch(/:alarm:rollback-controller-demo-shop\.\*$/);
    expect(matches('rollback-controller-demo-shop.failed-events')).toBe(true);
    expect(matches('rollback-controller-demo-shop-eu.failed-events')).toBe(false);
    expect(matches('rollback-controller-demo-shop-eu-failed-events')).toBe(false);
  });

  it('lets every one of its own alarms publish to the topic it names, and use that topic’s key: this account’s self-alarms only', () => {
    const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
    const alarms = Object.values(resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');
    const topicPolicies = Object.values(resources).filter((resource) => resource.Type === 'AWS::SNS::TopicPolicy');
    const asList = <T>(value: T | T[]) => [value].flat();
    // The template writes the partition as a reference; this stack's is "aws".
    const joined = (value: string | { 'Fn::Join': [string, (string | { Ref: string })[]] }): string =>
      typeof value === 'string' ? value : value['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : part.Ref === 'AWS::Partition' ? 'aws' : `<${part.Ref}>`)).join(value['Fn::Join'][0]);
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      const alarmArn = `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarm.Properties.AlarmName}`;
      for (const action of alarm.Properties.AlarmActions) {
        const topicId = action.Ref as string;
        const topic = resources[topicId]!;
        // The topic's policy has an Allow for CloudWatch, scoped to this account and to alarms whose ARN matches this one.
        const policy = topicPolicies.find((candidate) => candidate.Properties.Topics.some((ref: { Ref: string }) => ref.Ref === topicId))!;
        const allow = policy.Properties.PolicyDocument.Statement.find((statement: any) => statement.Effect === 'Allow' && asList(statement.Action).includes('sns:Publish'));
        expect(allow.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
        expect(allow.Condition.StringEquals).toEqual({ 'aws:SourceAccount': '123456789012' });
        const pattern = joined(allow.Condition.ArnLike['aws:SourceArn']);
        expect(alarmArn.startsWith(pattern.replace(/\*$/, ''))).toBe(true);
        // The key that encrypts the topic lets CloudWatch use it under the same conditions.
        const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0] as string;
        const keyStatements = resources[keyId]!.Properties.KeyPolicy.Statement as any[];
        const keyAllow = keyStatements.find((statement) => statement.Principal?.Service === 'cloudwatch.amazonaws.com');
        expect(asList(keyAllow.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
        expect(keyAllow.Condition).toEqual(allow.Condition);
      }
    }
  });

  it('alarms on its own failures into its alarms topic, and draws a dashboard, the same size for any number of environments', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);
    expect(alarms.map((alarm) => alarm.AlarmName).sort()).toEqual(
      ['failed-events', 'notifications-failed', 'orchestrator-errors', 'rollback-failed', 'rollbacks-per-hour'].map((name) => `rollback-controller-demo-shop.${name}`),
    );
    const query = (name: string) => alarms.find((alarm) => alarm.AlarmName === `rollback-controller-demo-shop.${name}`).Metrics;
    // Each environment a contributor (Metrics Insights, GROUP BY environment): the same count as the guard, so the rollback that reaches maxRollbacksPerHour (3) alarms.
    expect(query('rollbacks-per-hour')).toEqual([
      { Id: expect.any(String), Expression: 'SELECT SUM(AutomaticRollbacks) FROM SCHEMA("RollbackController", environment, service) WHERE service = \'orchestrator\' GROUP BY environment ORDER BY SUM() DESC LIMIT 100', Period: 3600, Label: 'automatic rollbacks in the hour', ReturnData: true },
    ]);
    expect(alarms.find((alarm) => alarm.AlarmName.endsWith('rollbacks-per-hour'))).toMatchObject({ Threshold: baseConfig.policy.maxRollbacksPerHour, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(query('rollback-failed')[0]).toMatchObject({ Expression: expect.stringContaining('SELECT SUM(RollbackFailed) FROM SCHEMA("RollbackController", environment, service)'), Period: 60 });
    expect(query('notifications-failed')[0]).toMatchObject({ Expression: 'SELECT SUM(NotificationFailed) FROM SCHEMA("RollbackController", environment, service) WHERE service = \'orchestrator\'', Period: 60 });
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^ControllerAlarmsTopic/) }]);
    // Every metric a self-alarm reads in the controller's namespace is one the functions emit (one module names them).
    const read = alarms.flatMap((alarm) => (alarm.Metrics ?? []).map((entry: { Expression?: string }) => /^SELECT \w+\((\w+)\)/.exec(entry.Expression ?? '')?.[1])).filter(Boolean);
    expect(read).toHaveLength(3);
    for (const name of read) expect(Object.values(METRIC)).toContain(name);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('outputs what rollbackctl reads', () => {
    for (const name of ['HistoryTableName', 'ResultTopicArn', 'AlarmTopicArn', 'RequestUrl', 'RequesterPolicyArn', 'OrchestratorFunctionName', 'ValidatorFunctionName', 'RecorderFunctionName', 'FailedEventsQueueUrl', 'DashboardName']) {
      template.hasOutput(name, {});
    }
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('passes with every acknowledgement justified (synth would throw on an unacknowledged finding)', () => {
    const { app } = synthesize(baseConfig, { nag: true });

    expect(() => app.synth()).not.toThrow();
  });

  it('passes with every optional part on too: the chat topic and the drill schedules', () => {
    const everything = parseConfig({ ...structuredClone(baseConfig), notifications: { ...baseConfig.notifications, chatbot: true }, drills: { schedule: 'rate(30 days)' } });
    const { app } = synthesize(everything, { nag: true });

    expect(() => app.synth()).not.toThrow();
  });

  it('is live: a wildcard policy nobody acknowledged fails synthesis', () => {
    const app = new App();
    const stack = new Stack(app, 'Careless', { env: ENV });
    new Role(stack, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }).addToPolicy(new PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(() => app.synth()).toThrow(/Validation failed|AwsSolutions-IAM5/);
  });
});

describe('everything derives from the configuration', () => {
  it('adding an environment adds its alarm prefix, pipeline stage, functions and self-alarms — no code change', () => {
    const raw = structuredClone(baseConfig) as { environments: unknown[] };
    raw.environments.push({
      name: 'eu-production',
      alarms: { prefixes: ['demo-shop-eu-'] },
      targets: [
        { type: 'lambda-alias', alias: 'live', functions: ['demo-shop-eu-api'] },
        { type: 'codepipeline-stage', pipeline: 'demo-shop-eu-release', stage: 'DeployEu' },
      ],
    });
    const { template } = synthesize(parseConfig(raw));

    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: { $or: Match.arrayWith([{ alarmName: Match.arrayWith([{ prefix: 'demo-shop-eu-' }]) }]) } },
    });
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { detail: { pipeline: ['demo-shop-release', 'demo-shop-eu-release'], stage: Match.arrayWith(['DeployEu']) } } });
    const statements = statementsOf(template, 'Orchestrator');
    expect(resourcesFor(statements, 'lambda:UpdateAlias')).toEqual(expect.arrayContaining(['arn:aws:lambda:eu-west-1:123456789012:function:demo-shop-eu-api:live']));
    expect(resourcesFor(statements, 'codepipeline:RollbackStage')).toEqual(expect.arrayContaining(['arn:aws:codepipeline:eu-west-1:123456789012:demo-shop-eu-release/DeployEu']));
  });

  it('adds a chat topic for AWS Chatbot only when notifications.chatbot is set, and lets only the orchestrator publish to it', () => {
    const raw = structuredClone(baseConfig) as { notifications: Record<string, unknown> };
    raw.notifications.chatbot = true;
    const withChat = synthesize(parseConfig(raw)).template;
    const { template } = synthesize(baseConfig);

    // The results topic and the controller's alarms topic, and the chat topic only when asked for.
    template.resourceCountIs('AWS::SNS::Topic', 2);
    withChat.resourceCountIs('AWS::SNS::Topic', 3);
    withChat.hasOutput('ChatTopicArn', {});
    expect(resourcesFor(statementsOf(withChat, 'Orchestrator'), 'sns:Publish')).toEqual([expect.stringMatching(/ResultsTopic/), expect.stringMatching(/ResultsChatTopic/)]);
    withChat.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ CHAT_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^ResultsChatTopic') } }) } });
  });

  it('synthesizes 300 and 1,000 environments, drills scheduled, cdk-nag clean, within 500 resources, IAM\'s policy sizes and CloudFormation\'s 1 MB: a schedule per 25 environments, nothing else per environment', () => {
    const sizes = [[300, 12], [1_000, 40]].map(([count, schedules]) => {
      const { app, template } = synthesize(fleetConfig(count!, { drills: { schedule: 'cron(0 9 1 * ? *)' } }), { nag: true });
      expect(() => app.synth()).not.toThrow();
      const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: { PolicyDocument?: unknown } }> };
      template.resourceCountIs('AWS::Scheduler::Schedule', schedules!);
      const inputs = Object.values(template.findResources('AWS::Scheduler::Schedule')).map((resource) => JSON.parse(resource.Properties.Target.Input).environments as string[]);
      expect(inputs.flat()).toEqual(Array.from({ length: count! }, (_, index) => `env${index}`));
      // Each policy document within a managed policy's 6,144 characters even in CDK's unresolved form, which is longer.
      const policies = Object.values(json.Resources).filter((resource) => resource.Properties.PolicyDocument).map((resource) => JSON.stringify(resource.Properties.PolicyDocument).length);
      expect(Math.max(...policies)).toBeLessThanOrEqual(6_144);
      expect(JSON.stringify(json).length).toBeLessThan(1_000_000);
      return Object.keys(json.Resources).length - schedules!;
    });
    expect(sizes[0]).toBe(sizes[1]);
    expect(sizes[1]! + 40).toBeLessThanOrEqual(500);
  }, 300_000);

  it('synthesizes 1,000 environments of nine targets each within IAM\'s sizes: Route 53 records in one statement by their common name, the recorder\'s keys by their pattern, stacks, roles passed and hooks by theirs', () => {
    const { app, template } = synthesize(fleetConfig(1_000, {}, { everyTarget: true }), { nag: true });
    expect(() => app.synth()).not.toThrow();
    const json = template.toJSON() as { Resources: Record<string, { Properties: { PolicyDocument?: unknown } }> };
    const policies = Object.values(json.Resources).filter((resource) => resource.Properties?.PolicyDocument).map((resource) => JSON.stringify(resource.Properties.PolicyDocument).length);
    expect(Math.max(...policies)).toBeLessThanOrEqual(6_144);
    expect(Object.keys(json.Resources).length).toBeLessThanOrEqual(500);
    const changes = statementsOf(template, 'Orchestrator').filter((statement) => statement.Action === 'route53:ChangeResourceRecordSets');
    expect(changes).toHaveLength(1);
    expect(changes[0]!.Condition).toEqual({
      'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['api.env*.fleet.example.com'] },
      'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['A'], 'route53:ChangeResourceRecordSetsActions': ['UPSERT'] },
    });
    expect(render(changes[0]!.Resource)).toBe('arn:aws:route53:::hostedzone/Z0FLEET0*');
    const orchestrator = statementsOf(template, 'Orchestrator');
    expect(resourcesFor(orchestrator, 'cloudformation:ExecuteChangeSet').sort()).toEqual(['arn:aws:cloudformation:eu-west-1:123456789012:changeSet/rollback-*/*', 'arn:aws:cloudformation:eu-west-1:123456789012:stack/fleet-env*']);
    const passRole = orchestrator.find((statement) => statement.Action === 'iam:PassRole')!;
    expect({ resource: render(passRole.Resource), condition: passRole.Condition }).toEqual({ resource: 'arn:aws:iam::123456789012:role/fleet-env*-cfn', condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } } });
    expect(resourcesFor(orchestrator, 'lambda:InvokeFunction').filter((resource) => !resource.startsWith('{"Fn::GetAtt"'))).toEqual(['arn:aws:lambda:eu-west-1:123456789012:function:fleet-env*e']);
    const recorderWrites = statementsOf(template, 'Recorder').find((statement) => [statement.Action].flat().includes('dynamodb:PutItem'))!;
    expect(recorderWrites.Condition!['ForAllValues:StringLike']).toEqual({ 'dynamodb:LeadingKeys': ['control#env*', 'fleet-release/DeployEnv*'] });
  }, 300_000);

  it('grants once what compaction made alike: statements on the same resources under the same conditions unite their actions, and nothing else', () => {
    const on = (actions: string[], resources: string[], extra: Record<string, unknown> = {}) => ({ actions, resources, ...extra });
    expect(uniteActions([on(['lambda:UpdateAlias', 'lambda:GetAlias'], ['arn:f*'], { wildcardReason: 'a' }), on(['lambda:GetFunctionConfiguration'], ['arn:f*'], { wildcardReason: 'b' }), on(['lambda:GetAlias'], ['arn:g'])])).toEqual([
      on(['lambda:GetAlias', 'lambda:GetFunctionConfiguration', 'lambda:UpdateAlias'], ['arn:f*'], { wildcardReason: 'a b' }),
      on(['lambda:GetAlias'], ['arn:g']),
    ]);
    const conditioned = on(['iam:PassRole'], ['arn:r'], { conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } });
    expect(uniteActions([conditioned, on(['iam:GetRole'], ['arn:r'])])).toHaveLength(2);
  });

  it('unites Route 53 grants that differ in one condition\'s values (record names, zones) and nothing that differs in two; past 20 values, their common pattern', () => {
    const zone = (id: string) => `arn:aws:route53:::hostedzone/${id}`;
    const change = (id: string, name: string, type = 'A') => ({
      actions: ['route53:ChangeResourceRecordSets'],
      resources: [zone(id)],
      unitesAcrossResources: true as const,
      conditions: { 'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [name], 'route53:ChangeResourceRecordSetsRecordTypes': [type] } },
    });
    const merged = mergeStatements([change('Z1', 'a.shop.example.com'), change('Z1', 'b.shop.example.com'), change('Z2', 'c.shop.example.com')]);
    expect(merged).toEqual([{ ...change('Z1', ''), resources: [zone('Z1'), zone('Z2')], conditions: { 'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['a.shop.example.com', 'b.shop.example.com', 'c.shop.example.com'], 'route53:ChangeResourceRecordSetsRecordTypes': ['A'] } } }]);
    // A name and a type both different: uniting them would allow a.shop… as AAAA, which neither allowed.
    expect(mergeStatements([change('Z1', 'a.shop.example.com'), change('Z1', 'b.shop.example.com', 'AAAA')])).toHaveLength(2);
    // Without the plugin's word that a condition names only what its resource holds, other resources stay apart.
    const plain = (bucket: string, prefix: string) => ({ actions: ['s3:ListBucket'], resources: [`arn:aws:s3:::${bucket}`], conditions: { StringLike: { 's3:prefix': [prefix] } } });
    expect(mergeStatements([plain('one', 'a/*'), plain('two', 'b/*')])).toHaveLength(2);
    const many = mergeStatements(Array.from({ length: 21 }, (_, index) => change('Z1', `api.env${index}.shop.example.com`)))[0]!;
    expect(compactConditions(many).conditions).toEqual({
      'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['api.env*.shop.example.com'] },
      'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['A'] },
    });
    const twenty = mergeStatements(Array.from({ length: 20 }, (_, index) => change('Z1', `api.env${index}.shop.example.com`)))[0]!;
    expect(compactConditions(twenty)).toBe(twenty);
  });

  it('grants an organisation\'s functions by their common name pattern past 20 of a kind, with the reason beside it; fewer, or names with nothing in common, stay named', () => {
    const arn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:${name}`;
    const many = Array.from({ length: 25 }, (_, index) => [arn(`shop-${index}-api`), arn(`shop-${index}-api:live`)]).flat();
    const compacted = compactResources({ actions: ['lambda:UpdateAlias'], resources: many });
    expect(compacted.resources).toEqual([arn('shop-*')]);
    expect(compacted.wildcardReason).toBe("the configured resources, 50 named shop-…, granted by their common name pattern so an organisation's grants fit IAM's policy size; it also matches resources named alike that the config does not list");
    const aliases = compactResources({ actions: ['lambda:UpdateAlias'], resources: Array.from({ length: 25 }, (_, index) => arn(`shop-${index}-api:live`)) });
    expect(aliases.resources).toEqual([arn('shop-*-api:live')]);
    const few = { actions: ['lambda:UpdateAlias'], resources: many.slice(0, 20) };
    expect(compactResources(few)).toBe(few);
    const unrelated = { actions: ['lambda:UpdateAlias'], resources: Array.from({ length: 25 }, (_, index) => arn(`${String.fromCharCode(97 + index)}-api`)) };
    expect(compactResources(unrelated)).toBe(unrelated);
  });

  it('schedules a read-only drill of each chosen environment with EventBridge Scheduler, through a role that may only invoke the orchestrator', () => {
    const raw = structuredClone(baseConfig) as { drills: Record<string, unknown> };
    raw.drills = { schedule: 'cron(0 9 1 * ? *)', timezone: 'Europe/Lisbon', environments: ['staging', 'production'] };
    const scheduled = synthesize(parseConfig(raw)).template;
    const { template } = synthesize(baseConfig);

    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    const schedules = Object.values(scheduled.findResources('AWS::Scheduler::Schedule')).map((resource) => resource.Properties);
    expect(schedules.map((schedule) => JSON.parse(schedule.Target.Input).environments)).toEqual([['staging', 'production']]);
    expect(schedules[0]).toMatchObject({
      ScheduleExpression: 'cron(0 9 1 * ? *)',
      ScheduleExpressionTimezone: 'Europe/Lisbon',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [expect.stringMatching(/^Orchestrator/), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^DrillsRole/), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^FailedEventsQueue/), 'Arn'] } },
      },
    });
    expect(JSON.parse(schedules[0].Target.Input)).toEqual({ action: 'drill', environments: ['staging', 'production'], requestedBy: 'scheduled drill', requestId: 'scheduled-drill-<aws.scheduler.execution-id>' });
    // Only this account's schedules may assume the role.
    scheduled.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } })] },
    });
    const [, rolePolicy] = Object.entries(scheduled.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('DrillsRoleDefaultPolicy'))!;
    const roleStatements: { Action: string | string[]; Resource: unknown }[] = JSON.parse(JSON.stringify(rolePolicy.Properties.PolicyDocument.Statement));
    expect(roleStatements.flatMap((statement) => [statement.Action].flat()).sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    expect(resourcesFor(roleStatements, 'lambda:InvokeFunction')).toEqual([expect.stringMatching(/^\{"Fn::GetAtt":\["Orchestrator\w+","Arn"\]\}$/)]);
  });

  it.each([
    ['a schedule that is not a Scheduler expression', { schedule: 'every month' }, 'drills.schedule: must be an EventBridge Scheduler expression'],
    ['drills more often than hourly', { schedule: 'rate(5 minutes)' }, 'drills.schedule: must be an EventBridge Scheduler expression'],
    ['an environment the configuration does not have', { schedule: 'rate(30 days)', environments: ['qa'] }, 'drills.environments[0]: unknown environment "qa"'],
  ])('refuses %s when the config loads', (_, drills, message) => {
    const raw = { ...structuredClone(baseConfig), drills };
    expect(() => parseConfig(raw)).toThrow(message);
  });

  it('lets the recorder invoke the orchestrator only where some environment rolls back failed deploys', () => {
    const raw = structuredClone(baseConfig) as { environments: Record<string, unknown>[] };
    for (const environment of raw.environments) delete environment.rollbackOnDeployFailure;
    const without = synthesize(parseConfig(raw)).template;
    const { template } = synthesize(baseConfig);
    const orchestratorArn = expect.stringMatching(/^\{"Fn::GetAtt":\["Orchestrator\w+","Arn"\]\}$/);

    expect(resourcesFor(statementsOf(template, 'Recorder'), 'lambda:InvokeFunction')).toEqual([orchestratorArn]);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ ORCHESTRATOR_FUNCTION_NAME: Match.anyValue() }) } });
    expect(resourcesFor(statementsOf(without, 'Recorder'), 'lambda:InvokeFunction')).toEqual([]);
    expect(JSON.stringify(without.toJSON())).not.toContain('ORCHESTRATOR_FUNCTION_NAME');
  });

  it('lets the recorder write only its own attributes, only on records of the configured stages, and read the history', () => {
    const { template } = synthesize(baseConfig);
    const statements = statementsOf(template, 'Recorder');
    const tableArn = expect.stringMatching(/^\{"Fn::GetAtt":\["HistoryTable\w+","Arn"\]\}$/);
    const writes = statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('dynamodb:') && !['dynamodb:GetItem', 'dynamodb:Query'].includes(action)));

    expect(writes).toHaveLength(1);
    expect([writes[0]!.Action].flat().sort()).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect([writes[0]!.Resource].flat().map(render)).toEqual([tableArn]);
    expect(writes[0]!.Condition).toEqual({
      // Its stages' records, and the heads of their environments (where it keeps what is live).
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['control#production', 'control#staging', 'control#test', 'demo-shop-release/DeployProduction/*', 'demo-shop-release/DeployStaging/*', 'demo-shop-release/DeployTest/*'] },
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...RECORDER_WRITES] },
    });
    // Never a rollback's, a journal's or a pause's fields; never Scan or DeleteItem.
    for (const field of ['rollback', 'timeline', 'rollbackEnvironment', 'rollbackStartedAt', 'irreversible', 'recordedBy', 'expiresAt']) expect(RECORDER_WRITES).not.toContain(field);
    const actions = statements.flatMap((statement) => [statement.Action].flat()).filter((action) => action.startsWith('dynamodb:'));
    expect([...new Set(actions)].sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(resourcesFor(statements, 'dynamodb:Query').map((resource) => resource.replace(/^\{"Fn::GetAtt":\["(HistoryTable)\w+".*$/, '$1'))).toEqual([
      'HistoryTable',
      expect.stringContaining('/index/byEnvironment'),
    ]);
  });

  it('builds a target’s ARNs in the region it names, and reaches a target in another account only by assuming its role', () => {
    const raw = structuredClone(baseConfig) as { environments: unknown[] };
    raw.environments.push(
      { name: 'us-production', alarms: { prefixes: ['demo-shop-us-'] }, targets: [{ type: 'lambda-alias', alias: 'live', functions: ['demo-shop-us-api'], region: 'us-east-1' }] },
      {
        name: 'partner',
        alarms: { prefixes: ['partner-'] },
        targets: [{ type: 'lambda-alias', alias: 'live', functions: ['partner-api'], region: 'eu-central-1', roleArn: 'arn:aws:iam::210987654321:role/rollback-controller-target' }],
      },
    );
    const { template } = synthesize(parseConfig(raw));

    for (const fn of ['Orchestrator', 'Validator', 'Recorder']) {
      const statements = statementsOf(template, fn);
      expect(resourcesFor(statements, 'sts:AssumeRole')).toEqual(['arn:aws:iam::210987654321:role/rollback-controller-target']);
      expect(resourcesFor(statements, 'lambda:GetAlias')).toEqual(expect.arrayContaining(['arn:aws:lambda:us-east-1:123456789012:function:demo-shop-us-api:live']));
      expect(resourcesFor(statements, 'lambda:GetAlias').join(' ')).not.toContain('partner-api');
    }
  });

  it('synthesizes no grant holding an IAM policy variable or a wildcard its plugin did not ask for, whatever a plugin builds', () => {
    const owner = "production's s3-cloudfront target";

    expect(() => literalGrant({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::shop/${aws:username}.json'] }, owner)).toThrow(`${owner}: the grant would hold an IAM policy variable (arn:aws:s3:::shop/\${aws:username}.json)`);
    expect(() => literalGrant({ actions: ['s3:ListBucket'], resources: ['arn:aws:s3:::shop'], conditions: { StringLike: { 's3:prefix': ['${aws:userid}/*'] } } }, owner)).toThrow('policy variable');
    expect(() => literalGrant({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::shop/*'] }, owner)).toThrow(`${owner}: the grant would hold a wildcard (arn:aws:s3:::shop/*) no plugin asked for`);
    expect(literalGrant({ actions: ['cloudwatch:DescribeAlarms'], resources: ['*'], wildcardReason: 'DescribeAlarms takes no resource' }, owner).resources).toEqual(['*']);
    expect(literalGrant({ actions: ['lambda:GetAlias'], resources: ['arn:${Token[AWS.Partition.5]}:lambda:eu-west-1:123456789012:function:api'] }, owner).resources).toHaveLength(1);
  });

  it('refuses an alarm prefix that would make the controller roll back on its own alarms when the config loads, before any bundling', () => {
    const raw = structuredClone(baseConfig) as { environments: { alarms: { prefixes: string[] } }[] };
    raw.environments[0]!.alarms.prefixes = ['rollback-'];

    expect(() => parseConfig(raw)).toThrow("environments[0].alarms.prefixes[0]: would match the controller's own alarms (rollback-controller-…)");
  });
});
