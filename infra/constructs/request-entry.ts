import { Fn, Stack } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType, type FunctionUrl, type IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { HISTORY_TABLE } from '../../shared/history/table-schema';

export interface RequestEntryProps {
  orchestrator: IFunction & { addEnvironment(key: string, value: string): unknown };
  table: ITable;
  /** The controller's own roles (recorder, drill scheduler): refused at the URL. */
  refusedRoles: IRole[];
}

/**
 * Where people (and CI) ask for a rollback: the orchestrator's function URL with IAM auth, so Lambda
 * verifies who signed each request and the run records that ARN beside the name given. A managed
 * policy holds what an on-call or CI role attaches to ask and follow: the URL (and InvokeFunction only
 * through it, as Lambda requires for URLs made since October 2025), the stack's outputs, history reads.
 */
export class RequestEntry extends Construct {
  public readonly url: FunctionUrl;
  public readonly requesterPolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: RequestEntryProps) {
    super(scope, id);
    this.url = props.orchestrator.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
    props.orchestrator.addEnvironment('REFUSED_REQUESTER_ROLES', props.refusedRoles.length > 0 ? Fn.join(',', props.refusedRoles.map((role) => role.roleArn)) : '');
    const stack = Stack.of(this);
    this.requesterPolicy = new ManagedPolicy(this, 'RequesterPolicy', {
      description: `Ask ${stack.stackName} for rollbacks and drills through its request URL, and follow them in its history`,
      statements: [
        new PolicyStatement({ actions: ['lambda:InvokeFunctionUrl'], resources: [props.orchestrator.functionArn], conditions: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } }),
        // Only through the URL: a direct invocation carries no verified identity.
        new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.orchestrator.functionArn], conditions: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } } }),
        new PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [stack.stackId] }),
        new PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:Query'],
          resources: [props.table.tableArn, `${props.table.tableArn}/index/${HISTORY_TABLE.byEnvironment.indexName}`],
        }),
      ],
    });
  }
}
