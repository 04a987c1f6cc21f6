import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONFIG_FILE_NAME, ConfigError, loadConfig, type RollbackConfig } from '../shared/config';
import { RollbackControllerStack } from './rollback-controller-stack';

const app = new App();
// Which configuration: `cdk synth -c config=PATH`, else $ROLLBACK_CONFIG, else rollback.config.json here.
// Only the app entry reads it; constructs take it as props.
const path = String(app.node.tryGetContext('config') ?? process.env.ROLLBACK_CONFIG ?? CONFIG_FILE_NAME);
let config: RollbackConfig;
try {
  config = loadConfig(path);
} catch (error) {
  // A bad configuration is the user's to fix: its problems once, no stack trace.
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`rollback-controller: ${error.message}\n`);
  process.exit(1);
}
new RollbackControllerStack(app, `rollback-controller-${config.application}`, {
  config,
  description: `Rollback controller for ${config.application}`,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
