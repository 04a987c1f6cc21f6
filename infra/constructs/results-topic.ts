import { Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface ResultsTopicProps {
  emails: readonly string[];
  httpsEndpoints: readonly string[];
  /** Also create the topic AWS Chatbot (Amazon Q Developer in chat applications) subscribes to. */
  chatbot: boolean;
  /** The controller's own alarms share this name prefix: only they may publish here as CloudWatch. */
  selfAlarmNamePrefix: string;
}

/**
 * Where every outcome is published: KMS-encrypted, TLS only, optional subscriptions from config. A
 * topic policy replaces SNS's default one, so the controller's own alarms are allowed to publish
 * explicitly (and to use the key), by this account's alarms of that prefix only.
 */
export class ResultsTopic extends Construct {
  public readonly topic: Topic;
  public readonly key: Key;
  public readonly chatTopic?: Topic;

  constructor(scope: Construct, id: string, props: ResultsTopicProps) {
    super(scope, id);
    const { account, region, partition } = Stack.of(this);
    const selfAlarms = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:${props.selfAlarmNamePrefix}*` },
    };
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    this.key = new Key(this, 'Key', { enableKeyRotation: true, description: 'Encrypts rollback-controller result notifications' });
    this.key.addToResourcePolicy(
      new PolicyStatement({ sid: 'SelfAlarmsUseKey', effect: Effect.ALLOW, principals: [cloudWatch], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'], conditions: selfAlarms }),
    );
    this.topic = new Topic(this, 'Topic', { masterKey: this.key, enforceSSL: true, displayName: 'Rollback controller results' });
    this.topic.addToResourcePolicy(
      new PolicyStatement({ sid: 'SelfAlarmsPublish', effect: Effect.ALLOW, principals: [cloudWatch], actions: ['sns:Publish'], resources: [this.topic.topicArn], conditions: selfAlarms }),
    );
    for (const email of props.emails) this.topic.addSubscription(new EmailSubscription(email));
    for (const url of props.httpsEndpoints) this.topic.addSubscription(new UrlSubscription(url));
    if (props.chatbot) {
      // Subscribe a Chatbot channel configuration to this one: every message on it is a custom-notification card.
      this.chatTopic = new Topic(this, 'ChatTopic', { masterKey: this.key, enforceSSL: true, displayName: 'Rollback controller chat notifications' });
    }
  }
}
