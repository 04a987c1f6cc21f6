import type { SandboxTwinContext, TargetDriver } from '../target-plugin';
import { describeAppConfig, judgeAppConfig, type AppConfigConfig, type AppConfigExpectation, type AppConfigPoint } from './appconfig-rules';

/** The profile in the sandbox: the version its environment serves; a deployment completes at once (as AppConfig.AllAtOnce would, without bake time). */
export function appConfigTwin({ slot }: SandboxTwinContext<AppConfigPoint>): TargetDriver<AppConfigConfig, AppConfigPoint, AppConfigExpectation> {
  let deploymentNumber = 1;
  return {
    async restore({ config, to, simulate }) {
      const now = slot.value?.configurationVersion ?? 'none';
      if (now === to.configurationVersion) return { outcome: 'unchanged', detail: `${describeAppConfig(config)} already deploys version ${now}`, expectations: [{ target: 'appconfig', application: config.application, environment: config.environment, deploymentNumber, version: now }] };
      if (simulate) return { outcome: 'would_restore', detail: `would deploy version ${to.configurationVersion} with strategy ${config.deploymentStrategy} (now ${now})` };
      slot.value = { configurationVersion: to.configurationVersion };
      deploymentNumber += 1;
      return {
        outcome: 'restored',
        detail: `${describeAppConfig(config)}: deploying version ${to.configurationVersion} with ${config.deploymentStrategy} (deployment #${deploymentNumber})`,
        expectations: [{ target: 'appconfig', application: config.application, environment: config.environment, deploymentNumber, version: to.configurationVersion }],
      };
    },
    async check(_config, expectation) {
      return judgeAppConfig(expectation, { deploymentNumber: expectation.deploymentNumber, version: slot.value?.configurationVersion, state: 'COMPLETE' });
    },
    async capture() {
      if (!slot.value) throw new Error(`the sandbox has no AppConfig profile in ${slot.environment}`);
      return slot.value;
    },
    async readiness(_config, point) {
      return { ready: true, detail: `hosted configuration version ${point.configurationVersion} exists (sandbox)` };
    },
  };
}
