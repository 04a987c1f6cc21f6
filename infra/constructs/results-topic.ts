import { Key } from 'aws-cdk-lib/aws-kms';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface ResultsTopicProps {
  emails: readonly string[];
  httpsEndpoints: readonly string[];
}

/** Where every outcome is published: KMS-encrypted, TLS only, optional subscriptions from config. */
export class ResultsTopic extends Construct {
  public readonly topic: Topic;
  public readonly key: Key;

  constructor(scope: Construct, id: string, props: ResultsTopicProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', { enableKeyRotation: true, description: 'Encrypts rollback-controller result notifications' });
    // The self-monitoring alarms publish to this topic, so CloudWatch must be able to use the key.
    this.key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', { masterKey: this.key, enforceSSL: true, displayName: 'Rollback controller results' });
    for (const email of props.emails) this.topic.addSubscription(new EmailSubscription(email));
    for (const url of props.httpsEndpoints) this.topic.addSubscription(new UrlSubscription(url));
  }
}
