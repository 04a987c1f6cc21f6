import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONFIG_FILE_NAME, loadConfig } from '../shared/config';
import { RollbackControllerStack } from './rollback-controller-stack';

// Only the app entry reads the configuration file; constructs take it as props.
const config = loadConfig(process.env.ROLLBACK_CONFIG ?? CONFIG_FILE_NAME);
const app = new App();
new RollbackControllerStack(app, `rollback-controller-${config.application}`, {
  config,
  description: `Rollback controller for ${config.application}`,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
