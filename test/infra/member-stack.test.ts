import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { memberPlaces, RollbackMemberStack } from '../../infra/member-stack';
import { parseConfig, type RollbackConfig } from '../../shared/config';
import { render, synthesize } from '../helpers/stack-template';

// The demo application with staging in another account (same region) and production in a third account and another region.
const raw = JSON.parse(readFileSync('rollback.config.json', 'utf8')) as { environments: Record<string, unknown>[]; home?: unknown };
raw.home = { account: '111111111111', region: 'eu-west-1' };
raw.environments = raw.environments.map((environment) =>
  environment.name === 'staging'
    ? { ...environment, account: '222222222222', roleArn: 'arn:aws:iam::222222222222:role/rbc-demo-shop-member' }
    : environment.name === 'production'
      ? { ...environment, account: '333333333333', region: 'us-east-1', roleArn: 'arn:aws:iam::333333333333:role/rbc-demo-shop-member' }
      : environment,
);
const config: RollbackConfig = parseConfig(raw);

function memberTemplates() {
  const app = new App();
  const stacks = memberPlaces(config).map((place) => new RollbackMemberStack(app, `member-${place.account}-${place.region}`, { config, place, env: { account: place.account, region: place.region } }));
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, templates: Object.fromEntries(stacks.map((stack) => [`${stack.account}/${stack.region}`, Template.fromStack(stack)])) };
}

describe('environments in other accounts and regions: what each of them deploys', () => {
  it('makes one member stack per other account and region, cdk-nag clean', () => {
    const { app, templates } = memberTemplates();

    expect(memberPlaces(config).map((place) => [place.account, place.region, place.environments.map((environment) => environment.name)])).toEqual([
      ['222222222222', 'eu-west-1', ['staging']],
      ['333333333333', 'us-east-1', ['production']],
    ]);
    expect(Object.keys(templates)).toEqual(['222222222222/eu-west-1', '333333333333/us-east-1']);
    expect(() => app.synth()).not.toThrow();
  });

  it('forwards the environment\'s alarms going into ALARM, and its pipeline\'s stage events, to the controller\'s default bus through a role', () => {
    const production = memberTemplates().templates['333333333333/us-east-1']!;
    const rules = Object.values(production.findResources('AWS::Events::Rule')).map((rule) => rule.Properties);

    expect(rules.map((rule) => rule.EventPattern)).toEqual([
      { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], detail: { state: { value: ['ALARM'] }, $or: [{ alarmName: [{ prefix: 'demo-shop-prod-' }] }, { alarmTags: { environment: ['production'] } }] } },
      { source: ['aws.codepipeline'], 'detail-type': ['CodePipeline Stage Execution State Change'], detail: { pipeline: ['demo-shop-release'] } },
    ]);
    for (const rule of rules) {
      expect(rule.Targets).toHaveLength(1);
      expect(render(rule.Targets[0].Arn)).toBe('arn:aws:events:eu-west-1:111111111111:event-bus/default');
      expect(rule.Targets[0].RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ForwardingRole/), 'Arn'] });
    }
    const forwarding = Object.values(production.findResources('AWS::IAM::Policy')).find((policy) => JSON.stringify(policy.Properties.Roles).includes('ForwardingRole'))!;
    expect(forwarding.Properties.PolicyDocument.Statement.map((statement: { Action: string; Resource: unknown }) => [statement.Action, render(statement.Resource)])).toEqual([['events:PutEvents', 'arn:aws:events:eu-west-1:111111111111:event-bus/default']]);
  });

  it('makes the role the controller assumes: trusted only by the controller\'s three functions in its account, granted exactly the environment\'s targets there and the alarm reads', () => {
    const production = memberTemplates().templates['333333333333/us-east-1']!;
    const roles = production.findResources('AWS::IAM::Role', { Properties: { RoleName: 'rbc-demo-shop-member' } });
    const [roleId, role] = Object.entries(roles)[0]!;

    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } },
        Condition: { ArnLike: { 'aws:PrincipalArn': ['orchestrator', 'validator', 'recorder'].map((name) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::111111111111:role/rbc-demo-shop-${name}`]] })) } },
      },
    ]);
    const policy = Object.values(production.findResources('AWS::IAM::Policy')).find((each) => JSON.stringify(each.Properties.Roles).includes(roleId))!;
    const statements = policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
    const resources = statements.flatMap((statement) => [statement.Resource].flat().map(render));
    // The production targets, in production's account and region; nothing of another environment; the alarms and their data.
    expect(resources.filter((resource) => resource.startsWith('arn:aws:lambda:'))).toEqual(expect.arrayContaining(['arn:aws:lambda:us-east-1:333333333333:function:demo-shop-prod-api:live']));
    expect(resources.some((resource) => /staging|demo-shop-test-/.test(resource))).toBe(false);
    expect(resources.every((resource) => resource === '*' || !/:\d{12}:/.test(resource) || resource.includes(':333333333333:'))).toBe(true);
    expect(statements.filter((statement) => statement.Resource === '*').map((statement) => statement.Action).flat()).toEqual(expect.arrayContaining(['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData']));
    expect(statements.some((statement) => [statement.Action].flat().includes('sts:AssumeRole'))).toBe(false);
  });

  it('lets the member accounts put (only) alarm and pipeline events on the controller\'s default bus, and names the controller\'s roles as the member roles trust them', () => {
    const { template } = synthesize(config);
    const policies = Object.values(template.findResources('AWS::Events::EventBusPolicy')).map((policy) => policy.Properties);

    expect(policies).toEqual(
      ['222222222222', '333333333333'].map((account) => ({
        StatementId: `rollback-controller-demo-shop-${account}`,
        EventBusName: 'default',
        Statement: {
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]] } },
          Action: 'events:PutEvents',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:123456789012:event-bus/default']] },
          Condition: { StringEquals: { 'events:source': ['aws.cloudwatch', 'aws.codepipeline'] } },
        },
      })),
    );
    const names = Object.values(template.findResources('AWS::IAM::Role')).map((role) => role.Properties.RoleName).filter(Boolean).sort();
    expect(names).toEqual(['rbc-demo-shop-orchestrator', 'rbc-demo-shop-recorder', 'rbc-demo-shop-validator']);
  });

  it('refuses a role named by environments in two regions of one account (IAM is global: two stacks would make it)', () => {
    const twice = structuredClone(raw);
    twice.environments = twice.environments.map((environment) => (environment.name === 'test' ? { ...environment, account: '333333333333', region: 'eu-central-1', roleArn: 'arn:aws:iam::333333333333:role/rbc-demo-shop-member' } : environment));

    expect(() => memberPlaces(parseConfig(twice))).toThrow('arn:aws:iam::333333333333:role/rbc-demo-shop-member is named by environments in eu-central-1 and us-east-1: give each region\'s environments a role of their own');
  });
});
