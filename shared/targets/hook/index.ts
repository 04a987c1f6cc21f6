import { defineTarget } from '../target-plugin';
import { hookDriver } from './aws';
import { describeCall, describeHook, hookConfigSchema, hookExpectationSchema, hookPointSchema } from './hook-rules';
import { hookTwin } from './sandbox';

/**
 * A Lambda invoked around a restore: `before` the traffic targets (a write freeze, a pre-check that
 * may refuse) and/or `after` every other target (a cache purge, a flag flip, a down-migration).
 */
export const hookTarget = defineTarget({
  type: 'hook',
  title: 'rollback hook',
  movesTraffic: false,
  pointIsServedState: false,
  recordsNothing: true,
  checkName: 'hook',
  configSchema: hookConfigSchema,
  restorePointSchema: hookPointSchema,
  expectationSchema: hookExpectationSchema,
  describeConfig: (config) => `hook ${describeHook(config)}`,
  describeRestorePoint: () => 'nothing recorded (a hook acts the same for every deployment)',
  // Two environments may call one hook: it is told which environment each time.
  resourceKeys: () => [],
  pointProblems: () => [],
  restorePhases: (config) => [...(config.before ? ['before' as const] : []), ...(config.after ? ['after' as const] : [])],
  blocksRestoreOnFailure: (config) => config.before?.required === true,
  iam: (config, arn) => {
    const calls = [config.before, config.after].filter((call) => call !== undefined);
    const invoked = [...new Set(calls.map((call) => arn('lambda', `function:${describeCall(call)}`)))];
    const functions = [...new Set(calls.map((call) => arn('lambda', `function:${call.function}`)))];
    return {
      restore: [{ actions: ['lambda:InvokeFunction'], resources: invoked }],
      check: [],
      capture: [],
      readiness: [{ actions: ['lambda:GetFunctionConfiguration'], resources: [...new Set([...functions, ...invoked])] }],
    };
  },
  aws: hookDriver,
  sandbox: hookTwin,
  demoRestorePoint: () => ({}),
  scenario: [
    {
      name: 'hook',
      story: 'the rollback calls the environment’s hooks: a write freeze before the traffic targets and a cache purge after everything, each told the run, the deployments and the reason; their answers are journaled like a target’s',
    },
    {
      name: 'hook-refused',
      story: 'the required before-hook refuses (a database migration is running): nothing else is restored, and it escalates to a person instead of widening',
      twinFault: 'the before hook refuses: a database migration is running',
    },
  ],
});
