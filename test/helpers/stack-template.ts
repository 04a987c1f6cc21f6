import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RollbackControllerStack } from '../../infra/rollback-controller-stack';
import type { RollbackConfig } from '../../shared/config';

export const ENV = { account: '123456789012', region: 'eu-west-1' };

/** Synthesizes the stack without bundling the functions (`npm run synth` and `npm run build` bundle them). */
export function synthesize(config: RollbackConfig, options: { nag?: boolean } = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new RollbackControllerStack(app, 'Controller', { config, env: ENV });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, template: Template.fromStack(stack) };
}

export type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };

/**
 * The statements of the function's own policy — its inline default policy and the managed overflow
 * policies CDK splits it into past IAM's inline size limit — with CloudFormation intrinsics as text.
 */
export function statementsOf(template: Template, functionLogicalPrefix: string): Statement[] {
  const inline = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith(`${functionLogicalPrefix}ServiceRoleDefaultPolicy`));
  const overflow = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).filter(([id]) => id.startsWith(`${functionLogicalPrefix}ServiceRoleOverflowPolicy`));
  if (inline.length === 0) throw new Error(`no policy for ${functionLogicalPrefix}`);
  return [...inline, ...overflow].flatMap(([, policy]) => (policy.Properties.PolicyDocument.Statement as Statement[]).map((statement) => JSON.parse(JSON.stringify(statement))));
}

/** An ARN as text: `Fn::Join` over the partition rendered as "aws", other intrinsics as JSON. */
export function render(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join && join[1].every((part) => typeof part === 'string' || JSON.stringify(part) === '{"Ref":"AWS::Partition"}')) {
    return join[1].map((part) => (typeof part === 'string' ? part : 'aws')).join(join[0]);
  }
  return JSON.stringify(resource);
}

/** Every resource the statements grant `action` on, as text. */
export function resourcesFor(statements: Statement[], action: string): string[] {
  return statements
    .filter((statement) => [statement.Action].flat().includes(action))
    .flatMap((statement) => [statement.Resource].flat())
    .map(render);
}

/** The conditions of the statements granting `action` (JSON rendered). */
export function conditionsFor(statements: Statement[], action: string): unknown[] {
  return statements.filter((statement) => [statement.Action].flat().includes(action) && statement.Condition).map((statement) => JSON.parse(JSON.stringify(statement.Condition)));
}
