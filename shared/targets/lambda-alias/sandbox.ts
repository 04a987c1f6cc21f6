import type { SandboxTwinContext, TargetDriver } from '../target-plugin';
import {
  aliasExpectation,
  describeMoves,
  functionsWithoutVersion,
  judgeAliases,
  trafficEvidence,
  type LambdaAliasConfig,
  type LambdaAliasExpectation,
  type LambdaAliasPoint,
} from './lambda-alias-rules';

/** The alias in the sandbox: the versions live behind it, moved by restores exactly as UpdateAlias would. */
export function lambdaAliasTwin({ slot, traffic }: SandboxTwinContext<LambdaAliasPoint>): TargetDriver<LambdaAliasConfig, LambdaAliasPoint, LambdaAliasExpectation> {
  return {
    async restore({ config, from, to, fromStartedAt, toDeploymentId, simulate }) {
      const missing = functionsWithoutVersion(config, to);
      if (missing.length > 0) return { outcome: 'failed', detail: `known-good deployment ${toDeploymentId} recorded no version for ${missing.join(', ')}: cannot restore them` };
      const moves = describeMoves(config, to, (name) => slot.value?.versions[name]);
      if (simulate) return { outcome: 'would_restore', detail: `would move alias ${config.alias}: ${moves}` };
      slot.value = { versions: { ...slot.value?.versions, ...to.versions } };
      return { outcome: 'restored', detail: `alias ${config.alias}: ${moves}, weights cleared`, expectations: [aliasExpectation(config, to, from, fromStartedAt)] };
    },
    async check(_config, expectation) {
      const readings = Object.keys(expectation.versions).map((functionName) => {
        const version = slot.value?.versions[functionName];
        return version ? { functionName, version, weightedVersions: [] } : { functionName, weightedVersions: [], error: 'ResourceNotFoundException (not in the sandbox)' };
      });
      return judgeAliases(expectation, readings);
    },
    // The sandbox's traffic: a sandbox restore is instant and its alias had no weights, so the known good serves all of it from the restore on and the replaced version none.
    async evidence(_config, expectation, window) {
      if (!traffic) return [];
      const minute = 60_000;
      const first = Math.ceil(window.restoredAt.getTime() / minute) * minute;
      const periods = Math.max(0, Math.floor((window.now.getTime() - first) / minute));
      const seen = traffic.between(window.restoredAt.getTime(), window.now.getTime());
      return trafficEvidence(
        Object.keys(expectation.versions).map((functionName) => ({ functionName, badInvocations: 0, goodInvocations: seen.invocations, goodErrors: seen.errors, periods, baseline: traffic.baseline() })),
        window.errorRate,
      );
    },
    async capture() {
      if (!slot.value) throw new Error(`the sandbox has no alias versions in ${slot.environment}`);
      return slot.value;
    },
    async readiness(config, point) {
      const missing = functionsWithoutVersion(config, point);
      return missing.length > 0 ? { ready: false, detail: `no version recorded for ${missing.join(', ')}` } : { ready: true, detail: 'versions exist (sandbox)' };
    },
  };
}
