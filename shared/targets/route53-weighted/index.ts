import { defineTarget } from '../target-plugin';
import { route53WeightedDriver } from './aws';
import { describeRecord, route53WeightedConfigSchema, route53WeightedExpectationSchema, route53WeightedPointSchema } from './route53-weighted-rules';
import { route53WeightedTwin } from './sandbox';

/** Blue/green in DNS: the weighted records of one name go back to their recorded weights in one batch. */
export const route53WeightedTarget = defineTarget({
  type: 'route53-weighted',
  title: 'Route 53 weighted records',
  movesTraffic: true,
  pointIsServedState: true,
  checkName: 'dns-weights',
  configSchema: route53WeightedConfigSchema,
  restorePointSchema: route53WeightedPointSchema,
  expectationSchema: route53WeightedExpectationSchema,
  describeConfig: (config) => `weights of ${config.setIdentifiers.join(', ')} on ${describeRecord(config)} in zone ${config.hostedZoneId}`,
  describeRestorePoint: (point) =>
    Object.entries(point.weights)
      .map(([id, value]) => `${id}=${value}`)
      .join(', '),
  resourceKeys: (config) => [`route53 ${config.roleArn ?? ''} ${config.hostedZoneId} ${config.recordName} ${config.recordType}`],
  pointProblems: (config, point) => {
    const missing = config.setIdentifiers.filter((id) => point.weights[id] === undefined);
    const unknown = Object.keys(point.weights).filter((id) => !config.setIdentifiers.includes(id));
    return [
      ...(missing.length > 0 ? [`no weight for ${missing.join(', ')} of ${config.recordName}`] : []),
      ...(unknown.length > 0 ? [`weights ${unknown.join(', ')}, which are not weighted records of ${config.recordName} (configured: ${config.setIdentifiers.join(', ')})`] : []),
    ];
  },
  iam: (config, arn) => {
    // Route 53 is global: its ARNs name no region and no account.
    const global = (resource: string) => arn('route53', resource, { region: '', account: '' });
    const zone = global(`hostedzone/${config.hostedZoneId}`);
    const list = { actions: ['route53:ListResourceRecordSets'], resources: [zone] };
    return {
      restore: [
        list,
        {
          actions: ['route53:ChangeResourceRecordSets'],
          resources: [zone],
          // Only UPSERTs of this one name and type: the zone's other records stay out of reach.
          // A record name lies in its zone's domain: one statement may name several zones and their records.
          unitesAcrossResources: true,
          conditions: {
            'ForAllValues:StringEquals': {
              'route53:ChangeResourceRecordSetsNormalizedRecordNames': [config.recordName],
              'route53:ChangeResourceRecordSetsRecordTypes': [config.recordType],
              'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
            },
          },
        },
      ],
      check: [
        list,
        { actions: ['route53:GetChange'], resources: [global('change/*')], wildcardReason: 'change ids are issued per ChangeResourceRecordSets call; GetChange is granted on change/* (read-only)' },
        ...(config.healthChecks ? [{ actions: ['route53:GetHealthCheckStatus'], resources: Object.values(config.healthChecks).map((id) => global(`healthcheck/${id}`)) }] : []),
      ],
      capture: [list],
      readiness: [list],
    };
  },
  aws: route53WeightedDriver,
  sandbox: route53WeightedTwin,
  // The demo alternates releases between the first two records, as blue/green does.
  demoRestorePoint: (config, release) => ({ weights: Object.fromEntries(config.setIdentifiers.map((id, index) => [id, index === release.number % 2 ? 100 : 0])) }),
  recordFlag: {
    flags: '--weight <setIdentifier=weight>',
    description: 'Route 53 weight of a weighted record now; repeat per SetIdentifier',
    parse: (values, config) => {
      const weights: Record<string, number> = {};
      for (const value of values) {
        const match = /^([^=]+)=(\d{1,3})$/.exec(value);
        if (!match || Number(match[2]) > 255) throw new Error(`"${value}": use SETIDENTIFIER=WEIGHT with a weight of 0 to 255, e.g. blue=100`);
        if (!config.setIdentifiers.includes(match[1]!)) throw new Error(`"${value}": the weighted records are ${config.setIdentifiers.join(', ')} (see the configuration)`);
        weights[match[1]!] = Number(match[2]);
      }
      const missing = config.setIdentifiers.filter((id: string) => weights[id] === undefined);
      if (missing.length > 0) throw new Error(`give a weight for every weighted record: missing ${missing.join(', ')}`);
      return { weights };
    },
  },
  scenario: {
    name: 'blue-green-weights',
    story: 'green takes all the DNS weight and fails; the weighted records go back to the recorded weights in one change batch',
  },
});
