import type { ListResourceRecordSetsCommandInput, ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import { errorLine } from '../../aws/error-line';
import { loadOnce } from '../../aws/load-once';
import type { ClientFactory } from '../client-factory';
import type { TargetDriver } from '../target-plugin';
import {
  bareChangeId,
  describeRecord,
  describeWeights,
  identifiersWithoutWeight,
  isHealthy,
  judgeWeights,
  normalizedRecordName,
  weightChanges,
  type Route53WeightedConfig,
  type Route53WeightedExpectation,
  type Route53WeightedPoint,
  type WeightsReading,
} from './route53-weighted-rules';

const route53Sdk = loadOnce(() => import('@aws-sdk/client-route-53'));

/**
 * Blue/green by Route 53 weights: the weighted records of one name and type go back to the weights
 * the known good recorded, in one ChangeResourceRecordSets batch (all or nothing).
 */
export function route53WeightedDriver(clients: ClientFactory): TargetDriver<Route53WeightedConfig, Route53WeightedPoint, Route53WeightedExpectation> {
  const route53 = async (config: Route53WeightedConfig): Promise<Route53Client> => clients.client((await route53Sdk()).Route53Client, config);

  /** The configured weighted records of the name and type, read from where the listing starts at them. */
  const readRecords = async (config: Route53WeightedConfig): Promise<Map<string, ResourceRecordSet>> => {
    const { ListResourceRecordSetsCommand } = await route53Sdk();
    const client = await route53(config);
    const records = new Map<string, ResourceRecordSet>();
    let start: Omit<ListResourceRecordSetsCommandInput, 'HostedZoneId'> = { StartRecordName: config.recordName, StartRecordType: config.recordType };
    for (;;) {
      const page = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: config.hostedZoneId, ...start }));
      let passedTheName = false;
      for (const record of page.ResourceRecordSets ?? []) {
        if (normalizedRecordName(record.Name ?? '') !== config.recordName || record.Type !== config.recordType) {
          passedTheName = true;
          break;
        }
        if (record.SetIdentifier && config.setIdentifiers.includes(record.SetIdentifier)) records.set(record.SetIdentifier, record);
      }
      if (passedTheName || !page.IsTruncated || !page.NextRecordName) return records;
      start = { StartRecordName: page.NextRecordName, StartRecordType: page.NextRecordType, ...(page.NextRecordIdentifier ? { StartRecordIdentifier: page.NextRecordIdentifier } : {}) };
    }
  };

  const weightsOf = (config: Route53WeightedConfig, records: Map<string, ResourceRecordSet>) => {
    const missing = config.setIdentifiers.filter((id) => records.get(id)?.Weight === undefined);
    if (missing.length > 0) throw new Error(`${describeRecord(config)} in zone ${config.hostedZoneId} has no weighted record ${missing.join(', ')}`);
    return Object.fromEntries(config.setIdentifiers.map((id) => [id, records.get(id)!.Weight!]));
  };

  return {
    async restore({ config, to, toDeploymentId, toVersion, environment, runId, simulate }) {
      const fail = (detail: string) => ({ outcome: 'failed' as const, detail: `${describeRecord(config)}: ${detail}` });
      const missing = identifiersWithoutWeight(config, to);
      if (missing.length > 0) return fail(`known-good deployment ${toDeploymentId} recorded no weight for ${missing.join(', ')}: cannot restore them`);
      let records: Map<string, ResourceRecordSet>;
      let current: Record<string, number>;
      try {
        records = await readRecords(config);
        current = weightsOf(config, records);
      } catch (error) {
        return fail(`cannot read the weighted records: ${errorLine(error)}`);
      }
      const moves = describeWeights(config, current, to);
      if (simulate) return { outcome: 'would_restore', detail: `would set ${describeRecord(config)} weights ${moves}` };
      const changing = weightChanges(config, current, to);
      const expectation = { target: 'route53-weighted' as const, recordName: config.recordName, weights: Object.fromEntries(config.setIdentifiers.map((id) => [id, to.weights[id]!])) };
      // A resumed run, or a person, may already have put the weights back: nothing to change.
      if (changing.length === 0) return { outcome: 'unchanged', detail: `${describeRecord(config)} already has weights ${moves}`, expectations: [expectation] };
      try {
        const { ChangeResourceRecordSetsCommand } = await route53Sdk();
        const result = await (await route53(config)).send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: config.hostedZoneId,
            ChangeBatch: {
              Comment: `rollback-controller run ${runId}: ${environment} back to ${toVersion}`.slice(0, 256),
              // Each record as read, only its weight changed: TTL, values, alias target and health check stay.
              Changes: changing.map((id) => ({ Action: 'UPSERT', ResourceRecordSet: { ...records.get(id)!, Weight: to.weights[id]! } })),
            },
          }),
        );
        const changeId = result.ChangeInfo?.Id ? bareChangeId(result.ChangeInfo.Id) : undefined;
        return { outcome: 'restored', detail: `${describeRecord(config)} weights ${moves}${changeId ? ` (change ${changeId})` : ''}`, expectations: [{ ...expectation, ...(changeId ? { changeId } : {}) }] };
      } catch (error) {
        return fail(`cannot change the weights (${moves}): ${errorLine(error)}`);
      }
    },

    async check(config, expectation) {
      const reading: WeightsReading = { weights: {} };
      try {
        const { GetChangeCommand, GetHealthCheckStatusCommand } = await route53Sdk();
        const client = await route53(config);
        reading.weights = Object.fromEntries([...(await readRecords(config))].map(([id, record]) => [id, record.Weight]));
        if (expectation.changeId) reading.changeStatus = (await client.send(new GetChangeCommand({ Id: expectation.changeId }))).ChangeInfo?.Status;
        // Health matters once the weights are back and in sync: until then, say what is not.
        const sofar = judgeWeights(config, expectation, reading);
        if (!sofar.passed) return sofar;
        const watched = Object.entries(config.healthChecks ?? {}).filter(([id]) => (expectation.weights[id] ?? 0) > 0);
        reading.health = Object.fromEntries(
          await Promise.all(
            watched.map(async ([id, healthCheckId]) => {
              const result = await client.send(new GetHealthCheckStatusCommand({ HealthCheckId: healthCheckId }));
              return [id, isHealthy((result.HealthCheckObservations ?? []).map((observation) => observation.StatusReport?.Status ?? ''))] as const;
            }),
          ),
        );
      } catch (error) {
        reading.error = `cannot read ${describeRecord(config)}: ${errorLine(error)}`;
      }
      return judgeWeights(config, expectation, reading);
    },

    async capture(config) {
      return { weights: weightsOf(config, await readRecords(config)) };
    },

    /** The weights can be put back while every weighted record they name is still there. */
    async readiness(config, point) {
      const missing = identifiersWithoutWeight(config, point);
      if (missing.length > 0) return { ready: false, detail: `no weight recorded for ${missing.join(', ')}` };
      let records: Map<string, ResourceRecordSet>;
      try {
        records = await readRecords(config);
      } catch (error) {
        return { ready: false, detail: `cannot read ${describeRecord(config)}: ${errorLine(error)}` };
      }
      const gone = config.setIdentifiers.filter((id) => records.get(id)?.Weight === undefined);
      if (gone.length > 0) return { ready: false, detail: `${describeRecord(config)} in zone ${config.hostedZoneId} has no weighted record ${gone.join(', ')}` };
      return { ready: true, detail: `${describeRecord(config)} has every weighted record (${config.setIdentifiers.join(', ')})` };
    },
  };
}
