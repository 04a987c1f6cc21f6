import { CfnOutput, Duration, Stack, Token, Validations, type StackProps } from 'aws-cdk-lib';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { Construct } from 'constructs';
import type { RollbackConfig } from '../shared/config';
import { AlarmTrigger } from './constructs/alarm-trigger';
import { ControllerFunction } from './constructs/controller-function';
import { DeploymentRecording } from './constructs/deployment-recording';
import { FailedEventsQueue } from './constructs/failed-events-queue';
import { HistoryTable } from './constructs/history-table';
import { ReconcilerSchedule } from './constructs/reconciler-schedule';
import { RequestEntry } from './constructs/request-entry';
import { ControllerAlarmsTopic, ResultsTopic } from './constructs/results-topic';
import { SelfMonitoring } from './constructs/self-monitoring';
import { DrillSchedules } from './constructs/drill-schedules';
import { ArtifactBucket } from './constructs/artifact-bucket';
import { targetPlugin } from '../shared/targets/target-registry';
import { ARTIFACT_BUCKET_VARIABLE } from '../shared/targets/target-plugin';
import { CfnEventBusPolicy } from 'aws-cdk-lib/aws-events';
import { controllerRoleName, memberPlaces } from './member-stack';
import { selfAlarmNamePrefix } from '../shared/powertools/metric-names';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { recordedEnvironments, recordedStages } from '../shared/recording/record-pipeline-event';
import { ALARM_READ_WILDCARD, alarmReadStatement, metricReadStatement, METRIC_READ_WILDCARD, historyStatement, publishStatements, recorderHistoryStatements, targetGrants, type Grants, type WildcardGrant } from './controller-permissions';

export interface RollbackControllerStackProps extends StackProps {
  /** The validated rollback.config.json; everything environment-specific derives from it. */
  config: RollbackConfig;
}

/** Seconds the validator may run beyond its validation budget (cold start, the last round). */
const VALIDATOR_MARGIN_SECONDS = 30;

/** The controller: history, results topic, the three functions, the rules that feed them, and its own alarms. */
export class RollbackControllerStack extends Stack {
  public readonly history: HistoryTable;
  public readonly results: ResultsTopic;
  public readonly alarms: ControllerAlarmsTopic;
  public readonly orchestrator: ControllerFunction;
  public readonly validator: ControllerFunction;
  public readonly recorder: ControllerFunction;

  constructor(scope: Construct, id: string, props: RollbackControllerStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.history = new HistoryTable(this, 'History');
    this.results = new ResultsTopic(this, 'Results', config.notifications);
    this.alarms = new ControllerAlarmsTopic(this, 'ControllerAlarms', { ...config.notifications, selfAlarmNamePrefix: selfAlarmNamePrefix(config.application) });
    const failedEvents = new FailedEventsQueue(this, 'FailedEvents').queue;

    // Environments in other accounts or regions: their roles trust the controller's by name.
    const members = memberPlaces(config);
    const roleNameFor = (name: 'orchestrator' | 'validator' | 'recorder') => (members.length > 0 ? { roleName: controllerRoleName(config.application, name) } : {});
    const validatorTimeout = Duration.seconds(config.policy.validation.timeoutSeconds + VALIDATOR_MARGIN_SECONDS);
    this.validator = new ControllerFunction(this, 'Validator', { name: 'validator', config, timeout: validatorTimeout, memorySize: 256, ...roleNameFor('validator') });
    // Two validations (stage, then full) and the restores around them must fit: 15 minutes.
    this.orchestrator = new ControllerFunction(this, 'Orchestrator', {
      name: 'orchestrator',
      config,
      ...roleNameFor('orchestrator'),
      timeout: Duration.minutes(15),
      environment: {
        HISTORY_TABLE_NAME: this.history.table.tableName,
        VALIDATOR_FUNCTION_NAME: this.validator.functionName,
        RESULT_TOPIC_ARN: this.results.topic.topicArn,
        FAILED_EVENTS_QUEUE_URL: failedEvents.queueUrl,
        ...(this.results.chatTopic ? { CHAT_TOPIC_ARN: this.results.chatTopic.topicArn } : {}),
      },
    });
    // Where failed deploys roll back, the recorder asks the orchestrator to (asynchronously).
    const rollsBackFailedDeploys = config.environments.some((environment) => environment.rollbackOnDeployFailure);
    this.recorder = new ControllerFunction(this, 'Recorder', {
      name: 'recorder',
      config,
      ...roleNameFor('recorder'),
      timeout: Duration.seconds(30),
      memorySize: 256,
      environment: { HISTORY_TABLE_NAME: this.history.table.tableName, ...(rollsBackFailedDeploys ? { ORCHESTRATOR_FUNCTION_NAME: this.orchestrator.functionName } : {}) },
    });

    // Targets that keep what they capture in the controller's bucket (a stack's template).
    const artifactTypes = [...new Set(config.environments.flatMap((environment) => environment.targets.map((target) => target.type)))].filter((type) => targetPlugin(type).keepsArtifacts).sort();
    const artifacts = artifactTypes.length > 0 ? new ArtifactBucket(this, 'Artifacts') : undefined;
    if (artifacts) {
      for (const fn of [this.orchestrator, this.recorder]) fn.addEnvironment(ARTIFACT_BUCKET_VARIABLE, artifacts.bucket.bucketName);
      new CfnOutput(this, 'ArtifactBucketName', { value: artifacts.bucket.bucketName, description: `rollbackctl record --capture: export ${ARTIFACT_BUCKET_VARIABLE}` });
    }

    // Hand-written where CDK grants would add wildcards (index/*, function:*, GenerateDataKey*); each
    // target's statements come from its plugin, built from config: restore, check, capture.
    const tableArn = this.history.table.tableArn;
    // The reconciler (the orchestrator on a schedule) also checks, read-only, that each known good can be restored now.
    this.#grant(this.orchestrator, targetGrants(config, this, 'restore', 'readiness'), [
      historyStatement(tableArn),
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.validator.functionArn] }),
      ...publishStatements([this.results.topic.topicArn, ...(this.results.chatTopic ? [this.results.chatTopic.topicArn] : [])], this.results.key.keyArn),
      // Whether the alarm that fired has its actions enabled.
      alarmReadStatement(),
      ...(artifacts?.statements(artifactTypes, 'read') ?? []),
    ], [ALARM_READ_WILDCARD, ...(artifacts?.wildcards(artifactTypes) ?? [])]);
    this.#grant(this.validator, targetGrants(config, this, 'check'), [alarmReadStatement(), metricReadStatement()], [ALARM_READ_WILDCARD, METRIC_READ_WILDCARD]);
    this.#grant(this.recorder, targetGrants(config, this, 'capture'), [
      ...recorderHistoryStatements(tableArn, recordedStages(config), recordedEnvironments(config)),
      ...(rollsBackFailedDeploys ? [new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.orchestrator.functionArn] })] : []),
      ...(artifacts?.statements(artifactTypes, 'read-write') ?? []),
    ], artifacts?.wildcards(artifactTypes));
    // The failure destination's grant (sqs:SendMessage on that queue) also carries announcements the results topic refuses.
    this.orchestrator.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: new SqsDestination(failedEvents) });

    new AlarmTrigger(this, 'AlarmTrigger', { config, orchestrator: this.orchestrator, deadLetterQueue: failedEvents });
    // The default bus takes the alarm and pipeline events the member accounts forward (their own rules put them here), and only theirs.
    const memberAccounts = [...new Set(members.map((place) => place.account))].filter((account) => account !== config.home?.account).sort();
    for (const account of memberAccounts) {
      new CfnEventBusPolicy(this, `MemberEvents${account}`, {
        statementId: `rollback-controller-${config.application}-${account}`,
        eventBusName: 'default',
        statement: {
          Effect: 'Allow',
          Principal: { AWS: `arn:${this.partition}:iam::${account}:root` },
          Action: 'events:PutEvents',
          Resource: `arn:${this.partition}:events:${this.region}:${this.account}:event-bus/default`,
          // Only what the forwarding rules send: alarm state changes and pipeline stage events.
          Condition: { StringEquals: { 'events:source': ['aws.cloudwatch', 'aws.codepipeline'] } },
        },
      });
    }
    new DeploymentRecording(this, 'DeploymentRecording', { config, recorder: this.recorder, deadLetterQueue: failedEvents });
    new ReconcilerSchedule(this, 'Reconciler', { orchestrator: this.orchestrator });
    const drills = new DrillSchedules(this, 'Drills', { config, orchestrator: this.orchestrator, deadLetterQueue: failedEvents });
    const requests = new RequestEntry(this, 'Requests', {
      orchestrator: this.orchestrator,
      table: this.history.table,
      refusedRoles: [this.recorder.role!, ...(drills.role ? [drills.role] : [])],
    });
    const monitoring = new SelfMonitoring(this, 'SelfMonitoring', {
      config,
      orchestrator: this.orchestrator,
      functions: { orchestrator: this.orchestrator, validator: this.validator, recorder: this.recorder },
      deadLetterQueue: failedEvents,
      topic: this.alarms.topic,
    });

    this.#acknowledgeNagFindings();
    new CfnOutput(this, 'HistoryTableName', { value: this.history.table.tableName, description: 'rollbackctl --table' });
    new CfnOutput(this, 'ResultTopicArn', { value: this.results.topic.topicArn, description: 'subscribe here for rollback outcomes' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn, description: "the controller's own alarms (failed rollbacks, refused notifications, failed events): subscribe your chat channel here too" });
    new CfnOutput(this, 'OrchestratorFunctionName', { value: this.orchestrator.functionName });
    new CfnOutput(this, 'RequestUrl', { value: requests.url.url, description: 'rollbackctl rollback/drill/record --rollback POST here, SigV4-signed: who asks is verified' });
    new CfnOutput(this, 'RequesterPolicyArn', { value: requests.requesterPolicy.managedPolicyArn, description: 'attach to the on-call and CI roles that may ask for rollbacks' });
    new CfnOutput(this, 'ValidatorFunctionName', { value: this.validator.functionName });
    new CfnOutput(this, 'RecorderFunctionName', { value: this.recorder.functionName });
    new CfnOutput(this, 'FailedEventsQueueUrl', { value: failedEvents.queueUrl, description: 'events the controller could not handle' });
    new CfnOutput(this, 'DashboardName', { value: monitoring.dashboard.dashboardName });
    if (this.results.chatTopic) new CfnOutput(this, 'ChatTopicArn', { value: this.results.chatTopic.topicArn, description: 'subscribe an AWS Chatbot channel configuration here' });
  }

  /**
   * A function's statements; each wildcard it needs (its own, or a target's) is acknowledged once
   * per resource, with every reason AWS allows nothing narrower there.
   */
  #grant(fn: ControllerFunction, targets: Grants, own: PolicyStatement[], ownWildcards: WildcardGrant[] = []): void {
    for (const statement of [...own, ...targets.statements]) fn.addToRolePolicy(statement);
    const reasons = new Map<string, Set<string>>();
    for (const { resource, reason } of [...ownWildcards, ...targets.wildcards]) (reasons.get(resource) ?? reasons.set(resource, new Set()).get(resource)!).add(reason);
    for (const [resource, why] of reasons) Validations.of(fn).acknowledge({ id: `AwsSolutions-IAM5[Resource::${this.#asNagNames(resource)}]`, reason: [...why].join(' ') });
  }

  /** A resource as cdk-nag names it: the partition, and a region or account the stack leaves to deploy time, as pseudo parameters. */
  #asNagNames(resource: string): string {
    const pseudo: [string, string][] = [
      [this.partition, '<AWS::Partition>'],
      ...(Token.isUnresolved(this.region) ? [[this.region, '<AWS::Region>'] as [string, string]] : []),
      ...(Token.isUnresolved(this.account) ? [[this.account, '<AWS::AccountId>'] as [string, string]] : []),
    ];
    return pseudo.reduce((text, [token, name]) => text.split(token).join(name), resource);
  }

  /** Each acknowledged cdk-nag finding names the resource and says why, in one line. */
  #acknowledgeNagFindings(): void {
    for (const fn of [this.orchestrator, this.validator, this.recorder]) {
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The basic execution role only lets the function write its own log streams.',
      });
    }

  }
}
