import { Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** Who is told: the configuration's notification subscribers. */
export interface Subscribers {
  emails: readonly string[];
  httpsEndpoints: readonly string[];
}

export interface ResultsTopicProps extends Subscribers {
  /** Also create the topic AWS Chatbot (Amazon Q Developer in chat applications) subscribes to. */
  chatbot: boolean;
}

/** A topic encrypted with its own rotating key, TLS only, with the subscribers. */
function encryptedTopic(scope: Construct, what: string, subscribers: Subscribers): { topic: Topic; key: Key } {
  const key = new Key(scope, 'Key', { enableKeyRotation: true, description: `Encrypts rollback-controller ${what}` });
  const topic = new Topic(scope, 'Topic', { masterKey: key, enforceSSL: true, displayName: `Rollback controller ${what}` });
  for (const email of subscribers.emails) topic.addSubscription(new EmailSubscription(email));
  for (const url of subscribers.httpsEndpoints) topic.addSubscription(new UrlSubscription(url));
  return { topic, key };
}

/** Where every outcome is published (by the orchestrator only): KMS-encrypted, TLS only, subscriptions from config. */
export class ResultsTopic extends Construct {
  public readonly topic: Topic;
  public readonly key: Key;
  public readonly chatTopic?: Topic;

  constructor(scope: Construct, id: string, props: ResultsTopicProps) {
    super(scope, id);
    ({ topic: this.topic, key: this.key } = encryptedTopic(this, 'results', props));
    if (props.chatbot) {
      // Subscribe a Chatbot channel configuration to this one: every message on it is a custom-notification card.
      this.chatTopic = new Topic(this, 'ChatTopic', { masterKey: this.key, enforceSSL: true, displayName: 'Rollback controller chat notifications' });
    }
  }
}

export interface ControllerAlarmsTopicProps extends Subscribers {
  /**
   * The controller's own alarms are named with this prefix, which ends in a character no application
   * name holds ("rollback-controller-shop."): only they may publish here, never another application's.
   */
  selfAlarmNamePrefix: string;
}

/**
 * Where the controller's own alarms go — the results topic refusing, the failed-events queue filling,
 * a rollback failing: a topic and key of their own, so the failure they report (a key disabled, a
 * topic policy broken, SNS refusing the results topic) cannot also silence them. The same people
 * subscribe. A topic policy replaces SNS's default one, so CloudWatch is allowed explicitly (and to use
 * the key), by this account's self-alarms only.
 */
export class ControllerAlarmsTopic extends Construct {
  public readonly topic: Topic;
  public readonly key: Key;

  constructor(scope: Construct, id: string, props: ControllerAlarmsTopicProps) {
    super(scope, id);
    ({ topic: this.topic, key: this.key } = encryptedTopic(this, 'alarms', props));
    const { account, region, partition } = Stack.of(this);
    const selfAlarms = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:${props.selfAlarmNamePrefix}*` },
    };
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    this.key.addToResourcePolicy(
      new PolicyStatement({ sid: 'SelfAlarmsUseKey', effect: Effect.ALLOW, principals: [cloudWatch], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'], conditions: selfAlarms }),
    );
    this.topic.addToResourcePolicy(
      new PolicyStatement({ sid: 'SelfAlarmsPublish', effect: Effect.ALLOW, principals: [cloudWatch], actions: ['sns:Publish'], resources: [this.topic.topicArn], conditions: selfAlarms }),
    );
  }
}
