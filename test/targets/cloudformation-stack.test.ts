import {
  CancelUpdateStackCommand,
  CloudFormationClient,
  ContinueUpdateRollbackCommand,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  type Change,
} from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { cloudFormationStackTarget } from '../../shared/targets/cloudformation-stack';
import { cloudFormationStackDriver } from '../../shared/targets/cloudformation-stack/aws';
import { judgeStack, statefulChanges, templateHash } from '../../shared/targets/cloudformation-stack/cloudformation-stack-rules';
import { awsClientFactory } from '../../shared/targets/client-factory';
import type { TargetRestoreRequest } from '../../shared/targets/target-plugin';
import { describeTargetContract, restoreRequest } from '../helpers/target-contract';

const SERVICE_ROLE = 'arn:aws:iam::123456789012:role/shop-prod-infra-cfn';
const config = { type: 'cloudformation-stack', stackName: 'shop-prod-infra', serviceRoleArn: SERVICE_ROLE };
const stackArn = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/shop-prod-infra/*';
const changeSetArn = 'arn:aws:cloudformation:eu-west-1:123456789012:changeSet/rollback-*/*';

const goodTemplate = JSON.stringify({ Resources: { Api: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 512 } }, OrdersTable: { Type: 'AWS::DynamoDB::Table' } } });
const badTemplate = JSON.stringify({
  Resources: {
    Api: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 1024 } },
    OrdersTable: { Type: 'AWS::DynamoDB::Table' },
    Logs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } },
    Scratch: { Type: 'AWS::Logs::LogGroup', Properties: {} },
    Archive: { Type: 'AWS::SNS::Topic', DeletionPolicy: 'Retain' },
  },
});
const point = (template: string, parameters = [{ key: 'Release', value: '1.9.3' }]) => {
  const hash = templateHash(template);
  return { templateHash: hash, templateKey: `cloudformation-stack/shop-prod-infra/${hash}.template`, parameters, capabilities: [] as 'CAPABILITY_IAM'[] };
};
const good = point(goodTemplate);
const bad = point(badTemplate, [{ key: 'Release', value: '2.0.0' }]);

describeTargetContract({
  plugin: cloudFormationStackTarget,
  config,
  bad,
  good,
  flagValues: [good.templateHash, 'Release=1.9.3'],
  invalid: { field: 'stackName', value: '1-infra', problem: 'stackName: must be a CloudFormation stack name' },
  iam: {
    restore: {
      'cloudformation:DescribeStacks': [stackArn],
      'cloudformation:GetTemplate': [stackArn],
      'cloudformation:CancelUpdateStack': [stackArn],
      'cloudformation:ContinueUpdateRollback': [stackArn],
      'cloudformation:CreateChangeSet': [stackArn, changeSetArn],
      'cloudformation:DescribeChangeSet': [stackArn, changeSetArn],
      'cloudformation:ExecuteChangeSet': [stackArn, changeSetArn],
      'cloudformation:DeleteChangeSet': [stackArn, changeSetArn],
      'iam:PassRole': [SERVICE_ROLE],
    },
    check: { 'cloudformation:DescribeStacks': [stackArn], 'cloudformation:GetTemplate': [stackArn] },
    capture: { 'cloudformation:DescribeStacks': [stackArn], 'cloudformation:GetTemplate': [stackArn] },
    readiness: { 'cloudformation:DescribeStacks': [stackArn] },
  },
  conditions: { 'iam:PassRole': { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } } },
  wildcards: [
    'cloudformation:DescribeStacks',
    'cloudformation:GetTemplate',
    'cloudformation:CancelUpdateStack',
    'cloudformation:ContinueUpdateRollback',
    'cloudformation:CreateChangeSet',
    'cloudformation:DescribeChangeSet',
    'cloudformation:ExecuteChangeSet',
    'cloudformation:DeleteChangeSet',
  ],
});

describe('a change set’s review (pure)', () => {
  const change = (action: string, id: string, type: string, replacement?: string, policyAction?: string) => ({ action, logicalResourceId: id, resourceType: type, replacement, policyAction });

  it('refuses replacing or removing what holds data, saying why; leaves what holds none', () => {
    expect(
      statefulChanges(
        [
          change('Modify', 'OrdersTable', 'AWS::DynamoDB::Table', 'True'),
          change('Remove', 'Uploads', 'AWS::S3::Bucket'),
          change('Modify', 'Jobs', 'AWS::SQS::Queue', 'Conditional'),
          change('Remove', 'Logs', 'AWS::Logs::LogGroup'),
          change('Remove', 'Scratch', 'AWS::Logs::LogGroup'),
          change('Modify', 'Archive', 'AWS::SNS::Topic', 'True'),
          change('Modify', 'Api', 'AWS::Lambda::Function', 'True'),
          change('Modify', 'OrdersTable', 'AWS::DynamoDB::Table', 'False'),
          change('Add', 'NewTable', 'AWS::DynamoDB::Table'),
        ],
        badTemplate,
      ),
    ).toEqual([
      'Replace OrdersTable (AWS::DynamoDB::Table): it holds data',
      'Remove Uploads (AWS::S3::Bucket): it holds data',
      'Replace (conditional) Jobs (AWS::SQS::Queue): a queue may hold messages',
      'Remove Logs (AWS::Logs::LogGroup): a log group with retention',
      'Replace Archive (AWS::SNS::Topic): its template retains it',
    ]);
  });

  it('counts a Modify of a stateful resource that does not say whether it replaces (an emulator may not) as one that may', () => {
    expect(statefulChanges([change('Modify', 'OrdersTable', 'AWS::DynamoDB::Table'), change('Modify', 'Api', 'AWS::Lambda::Function')], goodTemplate)).toEqual(['Replace (replacement not reported) OrdersTable (AWS::DynamoDB::Table): it holds data']);
  });

  it('counts a retaining policy action, a configured type, and a log group it cannot read the retention of', () => {
    expect(statefulChanges([change('Remove', 'Key', 'Custom::Thing', undefined, 'Retain')], '{}')).toEqual(['Remove Key (Custom::Thing): policy action Retain']);
    expect(statefulChanges([change('Remove', 'Index', 'AWS::Search::Index')], '{}', ['AWS::Search::Index'])).toEqual(['Remove Index (AWS::Search::Index): it holds data']);
    expect(statefulChanges([change('Remove', 'Logs', 'AWS::Logs::LogGroup')], 'Resources:\n  Logs: …')).toEqual(['Remove Logs (AWS::Logs::LogGroup): a log group (the template does not read as JSON to tell its retention)']);
  });

  it('passes a stack settled on the known good’s template; a rolled-back update or a failed state is final', () => {
    const expectation = { target: 'cloudformation-stack' as const, stack: 'shop-prod-infra', templateHash: good.templateHash };
    expect(judgeStack(expectation, { status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', templateHash: good.templateHash })).toMatchObject({ passed: false, inconclusive: true });
    expect(judgeStack(expectation, { status: 'UPDATE_COMPLETE', templateHash: good.templateHash })).toEqual({ passed: true, detail: `stack shop-prod-infra UPDATE_COMPLETE on template ${good.templateHash.slice(0, 12)}` });
    expect(judgeStack(expectation, { status: 'UPDATE_ROLLBACK_COMPLETE', templateHash: bad.templateHash })).toMatchObject({ passed: false, isFinal: true });
    expect(judgeStack(expectation, { status: 'UPDATE_ROLLBACK_FAILED', statusReason: 'Role is invalid' })).toMatchObject({ passed: false, isFinal: true, detail: 'stack shop-prod-infra is UPDATE_ROLLBACK_FAILED: Role is invalid' });
  });
});

describe('the CloudFormation stack target against AWS (aws-sdk-client-mock)', () => {
  const cloudFormationMock = mockClient(CloudFormationClient);
  const s3Mock = mockClient(S3Client);
  const driver = cloudFormationStackDriver(awsClientFactory({ base: { region: 'eu-west-1' } }), { bucket: () => 'rbc-artifacts', homeRegion: () => 'eu-west-1', pollMs: 0 });
  const parsed = cloudFormationStackTarget.configSchema.parse(config);
  const request = (overrides: Partial<TargetRestoreRequest<typeof parsed, typeof good>> = {}) => restoreRequest(parsed, { from: bad, to: good }, overrides);
  const stackIs = (status: string, parameters = [{ ParameterKey: 'Release', ParameterValue: '2.0.0' }]) =>
    cloudFormationMock.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'shop-prod-infra', StackStatus: status as never, CreationTime: new Date(), Parameters: parameters, Capabilities: ['CAPABILITY_IAM'] }] });
  const changes = (...items: [string, string, string, string?][]): Change[] => items.map(([Action, LogicalResourceId, ResourceType, Replacement]) => ({ Type: 'Resource', ResourceChange: { Action: Action as never, LogicalResourceId, ResourceType, Replacement: Replacement as never } }));
  const computed = (...items: Change[]) =>
    cloudFormationMock
      .on(DescribeChangeSetCommand)
      .resolvesOnce({ Status: 'CREATE_PENDING', ExecutionStatus: 'UNAVAILABLE' })
      .resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', Changes: items });
  const expectation = { target: 'cloudformation-stack' as const, stack: 'shop-prod-infra', templateHash: good.templateHash };
  const calls = (command: Parameters<typeof cloudFormationMock.commandCalls>[0]) => cloudFormationMock.commandCalls(command).map((call) => call.args[0].input);

  beforeEach(() => {
    cloudFormationMock.reset();
    s3Mock.reset();
    stackIs('UPDATE_COMPLETE');
    cloudFormationMock.on(GetTemplateCommand).resolves({ TemplateBody: badTemplate });
    s3Mock.on(GetObjectCommand).resolves({ Body: { transformToString: async () => goodTemplate } as never });
    cloudFormationMock.on(CreateChangeSetCommand).resolves({ Id: 'arn:aws:cloudformation:eu-west-1:123456789012:changeSet/rollback-run-7/1' });
    computed(...changes(['Modify', 'Api', 'AWS::Lambda::Function', 'False']));
  });

  it('creates a change set to the known good’s template and parameters, reviews it, and executes it', async () => {
    const result = await driver.restore(request());

    expect(calls(DescribeStacksCommand)[0]).toEqual({ StackName: 'shop-prod-infra' });
    expect(calls(GetTemplateCommand)).toEqual([{ StackName: 'shop-prod-infra', TemplateStage: 'Original' }]);
    expect(s3Mock.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([{ Bucket: 'rbc-artifacts', Key: good.templateKey }]);
    expect(calls(CreateChangeSetCommand)).toEqual([
      {
        StackName: 'shop-prod-infra',
        ChangeSetName: 'rollback-run-7',
        ChangeSetType: 'UPDATE',
        TemplateBody: goodTemplate,
        Parameters: [{ ParameterKey: 'Release', ParameterValue: '1.9.3' }],
        Capabilities: ['CAPABILITY_IAM'],
        RoleARN: SERVICE_ROLE,
        Description: 'rollback-controller run run-7: back to 1.9.3 (good-1)',
        ClientToken: 'rollback-run-7',
      },
    ]);
    expect(calls(DescribeChangeSetCommand)).toEqual([
      { StackName: 'shop-prod-infra', ChangeSetName: 'rollback-run-7' },
      { StackName: 'shop-prod-infra', ChangeSetName: 'rollback-run-7' },
    ]);
    expect(calls(ExecuteChangeSetCommand)).toEqual([{ StackName: 'shop-prod-infra', ChangeSetName: 'rollback-run-7', ClientRequestToken: 'rollback-run-7-execute' }]);
    expect(result).toEqual({ outcome: 'restored', detail: `updating stack shop-prod-infra to template ${good.templateHash.slice(0, 12)}: Modify Api (AWS::Lambda::Function)`, expectations: [expectation] });
  });

  it('refuses a change set that would replace a stateful resource: escalated with the change set’s list, kept for review, never executed', async () => {
    cloudFormationMock.reset();
    stackIs('UPDATE_COMPLETE');
    cloudFormationMock.on(GetTemplateCommand).resolves({ TemplateBody: badTemplate });
    cloudFormationMock.on(CreateChangeSetCommand).resolves({});
    computed(...changes(['Modify', 'Api', 'AWS::Lambda::Function', 'False'], ['Modify', 'OrdersTable', 'AWS::DynamoDB::Table', 'True'], ['Remove', 'Logs', 'AWS::Logs::LogGroup']));

    const result = await driver.restore(request());

    expect(result).toEqual({
      outcome: 'failed',
      detail: 'stack shop-prod-infra: refused: change set rollback-run-7 would Replace OrdersTable (AWS::DynamoDB::Table): it holds data; Remove Logs (AWS::Logs::LogGroup): a log group with retention — kept for review, never executed; a person decides',
      needsPerson: true,
    });
    expect(calls(ExecuteChangeSetCommand)).toEqual([]);
    expect(calls(DeleteChangeSetCommand)).toEqual([]);
  });

  it('in a drill creates and describes the change set, deletes it, and executes nothing', async () => {
    const result = await driver.restore(request({ simulate: true }));

    expect(calls(CreateChangeSetCommand)).toEqual([expect.objectContaining({ ChangeSetName: 'rollback-drill-run-7' })]);
    expect(calls(DeleteChangeSetCommand)).toEqual([{ StackName: 'shop-prod-infra', ChangeSetName: 'rollback-drill-run-7' }]);
    expect(calls(ExecuteChangeSetCommand)).toEqual([]);
    expect(result).toEqual({ outcome: 'would_restore', detail: `would update stack shop-prod-infra to template ${good.templateHash.slice(0, 12)}: Modify Api (AWS::Lambda::Function) (change set reviewed and deleted)` });
  });

  it('cancels an update in progress (only UPDATE_IN_PROGRESS takes CancelUpdateStack), creating no change set', async () => {
    stackIs('UPDATE_IN_PROGRESS');

    const result = await driver.restore(request());

    expect(calls(CancelUpdateStackCommand)).toEqual([{ StackName: 'shop-prod-infra', ClientRequestToken: 'rollback-run-7-cancel' }]);
    expect(calls(CreateChangeSetCommand)).toEqual([]);
    expect(result).toMatchObject({ outcome: 'restored', expectations: [expectation] });
  });

  it('a resumed run finding the stack updating by its own change set does not cancel it', async () => {
    stackIs('UPDATE_IN_PROGRESS');
    cloudFormationMock.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'EXECUTE_IN_PROGRESS', Changes: [] });

    expect(await driver.restore(request({ resumed: true }))).toMatchObject({ outcome: 'restored', detail: expect.stringContaining('change set rollback-run-7 of stack shop-prod-infra is executing'), expectations: [expectation] });
    expect(calls(CancelUpdateStackCommand)).toEqual([]);
  });

  it('continues a failed rollback (only UPDATE_ROLLBACK_FAILED takes ContinueUpdateRollback), with the stack’s service role', async () => {
    stackIs('UPDATE_ROLLBACK_FAILED');

    await driver.restore(request());

    expect(calls(ContinueUpdateRollbackCommand)).toEqual([{ StackName: 'shop-prod-infra', ClientRequestToken: 'rollback-run-7-continue', RoleARN: SERVICE_ROLE }]);
    expect(calls(CancelUpdateStackCommand)).toEqual([]);
  });

  it.each(['UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'ROLLBACK_COMPLETE', 'DELETE_FAILED'])('touches nothing in a stack that is %s, saying why', async (status) => {
    stackIs(status);

    expect(await driver.restore(request())).toMatchObject({ outcome: 'failed', detail: expect.stringContaining(`it is ${status}`) });
    expect([...calls(CreateChangeSetCommand), ...calls(CancelUpdateStackCommand), ...calls(ContinueUpdateRollbackCommand)]).toEqual([]);
  });

  it('changes nothing when the stack already runs the known good’s template and parameters', async () => {
    stackIs('UPDATE_COMPLETE', [{ ParameterKey: 'Release', ParameterValue: '1.9.3' }]);
    cloudFormationMock.on(GetTemplateCommand).resolves({ TemplateBody: goodTemplate });

    expect(await driver.restore(request({ resumed: true }))).toMatchObject({ outcome: 'unchanged', expectations: [expectation] });
    expect(calls(CreateChangeSetCommand)).toEqual([]);
  });

  it('a resumed run finding its change set executed creates none again', async () => {
    cloudFormationMock.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'EXECUTE_IN_PROGRESS', Changes: [] });

    expect(await driver.restore(request({ resumed: true }))).toMatchObject({ outcome: 'restored', detail: expect.stringContaining('was executed (EXECUTE_IN_PROGRESS)') });
    expect(calls(CreateChangeSetCommand)).toEqual([]);
    expect(calls(ExecuteChangeSetCommand)).toEqual([]);
  });

  it('a change set with no changes is deleted and counts as unchanged', async () => {
    cloudFormationMock.on(DescribeChangeSetCommand).resolves({ Status: 'FAILED', StatusReason: "The submitted information didn't contain changes. Submit different information to create a change set." });

    expect(await driver.restore(request())).toMatchObject({ outcome: 'unchanged' });
    expect(calls(DeleteChangeSetCommand)).toHaveLength(1);
    expect(calls(ExecuteChangeSetCommand)).toEqual([]);
  });

  it('refuses a kept template that no longer matches its recorded hash', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: { transformToString: async () => `${goodTemplate} ` } as never });

    expect(await driver.restore(request())).toEqual({ outcome: 'failed', detail: `stack shop-prod-infra: cannot read the templates: Error: the kept template ${good.templateKey} does not match its recorded hash ${good.templateHash.slice(0, 12)}` });
    expect(calls(CreateChangeSetCommand)).toEqual([]);
  });

  it('sends a template over 51,200 bytes by its URL in the artifact bucket', async () => {
    const large = JSON.stringify({ Description: 'x'.repeat(60_000), Resources: {} });
    s3Mock.on(GetObjectCommand).resolves({ Body: { transformToString: async () => large } as never });

    await driver.restore(request({ to: point(large) }));

    expect(calls(CreateChangeSetCommand)[0]).toMatchObject({ TemplateURL: `https://rbc-artifacts.s3.eu-west-1.amazonaws.com/${point(large).templateKey}` });
    expect(calls(CreateChangeSetCommand)[0]).not.toHaveProperty('TemplateBody');
  });

  it('captures the template into the artifact bucket by its hash, and the parameters (a NoEcho one kept as the stack’s own)', async () => {
    stackIs('UPDATE_COMPLETE', [{ ParameterKey: 'Release', ParameterValue: '2.0.0' }, { ParameterKey: 'DbPassword', ParameterValue: '****' }]);

    expect(await driver.capture(parsed, {})).toEqual({ ...bad, capabilities: ['CAPABILITY_IAM'], parameters: [{ key: 'DbPassword', usePrevious: true }, { key: 'Release', value: '2.0.0' }] });
    expect(s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input)).toEqual([{ Bucket: 'rbc-artifacts', Key: bad.templateKey, Body: badTemplate, ContentType: 'text/plain; charset=utf-8', ServerSideEncryption: 'AES256' }]);
    await driver.capture(parsed, { readOnly: true });
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it('passes the check once the stack settles on the known good’s template', async () => {
    cloudFormationMock.on(GetTemplateCommand).resolves({ TemplateBody: goodTemplate });

    expect(await driver.check(parsed, expectation)).toMatchObject({ passed: true });
  });

  it('is ready while the known good’s template is kept, and not once it is gone', async () => {
    s3Mock.on(HeadObjectCommand).resolves({});
    expect(await driver.readiness(parsed, good)).toEqual({ ready: true, detail: `template ${good.templateHash.slice(0, 12)} is kept; stack shop-prod-infra is UPDATE_COMPLETE` });
    expect(s3Mock.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({ Bucket: 'rbc-artifacts', Key: good.templateKey });
    s3Mock.on(HeadObjectCommand).rejects(Object.assign(new Error('Not Found'), { name: 'NotFound' }));
    expect(await driver.readiness(parsed, good)).toMatchObject({ ready: false });
  });

  it('a capture without the artifact bucket says what to set', async () => {
    const unset = cloudFormationStackDriver(awsClientFactory({ base: { region: 'eu-west-1' } }), { bucket: () => undefined });

    await expect(unset.capture(parsed, {})).rejects.toThrow('ROLLBACK_ARTIFACT_BUCKET is not set: the controller keeps stack templates in its artifact bucket');
  });
});
