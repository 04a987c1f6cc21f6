import type { SandboxTwinContext, TargetDriver } from '../target-plugin';
import {
  describeRecord,
  describeWeights,
  identifiersWithoutWeight,
  judgeWeights,
  weightChanges,
  type Route53WeightedConfig,
  type Route53WeightedExpectation,
  type Route53WeightedPoint,
} from './route53-weighted-rules';

/** The weighted records in the sandbox: their weights, changed in one batch that is in sync at once. */
export function route53WeightedTwin({ slot }: SandboxTwinContext<Route53WeightedPoint>): TargetDriver<Route53WeightedConfig, Route53WeightedPoint, Route53WeightedExpectation> {
  return {
    async restore({ config, to, toDeploymentId, simulate }) {
      const missing = identifiersWithoutWeight(config, to);
      if (missing.length > 0) return { outcome: 'failed', detail: `known-good deployment ${toDeploymentId} recorded no weight for ${missing.join(', ')}: cannot restore them` };
      const current = slot.value?.weights ?? {};
      const moves = describeWeights(config, current, to);
      if (simulate) return { outcome: 'would_restore', detail: `would set ${describeRecord(config)} weights ${moves}` };
      const changed = weightChanges(config, current, to).length > 0;
      const changeId = changed ? slot.nextId('change') : undefined;
      slot.value = { weights: { ...current, ...to.weights } };
      return {
        outcome: changed ? 'restored' : 'unchanged',
        detail: `${describeRecord(config)} weights ${moves}${changeId ? ` (change ${changeId})` : ''}`,
        expectations: [{ target: 'route53-weighted', recordName: config.recordName, weights: to.weights, ...(changeId ? { changeId } : {}) }],
      };
    },
    async check(config, expectation) {
      return judgeWeights(config, expectation, { weights: slot.value?.weights ?? {}, changeStatus: 'INSYNC' });
    },
    async capture() {
      if (!slot.value) throw new Error(`the sandbox has no weighted records in ${slot.environment}`);
      return slot.value;
    },
    async readiness(config, point) {
      const missing = identifiersWithoutWeight(config, point);
      return missing.length > 0 ? { ready: false, detail: `no weight recorded for ${missing.join(', ')}` } : { ready: true, detail: 'every weighted record is there (sandbox)' };
    },
  };
}
