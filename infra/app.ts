import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONFIG_FILE_NAME, ConfigError, loadConfig, type RollbackConfig } from '../shared/config';
import { RollbackMemberStack, memberPlaces } from './member-stack';
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
const name = `rollback-controller-${config.application}`;
new RollbackControllerStack(app, name, {
  config,
  description: `Rollback controller for ${config.application}`,
  // Environments elsewhere: the controller is pinned where `home` says (member stacks name its bus and roles).
  ...(config.home ? { env: config.home } : {}),
});
// One stack per other account and region where environments live: deploy each with that account's credentials.
for (const place of memberPlaces(config)) {
  new RollbackMemberStack(app, `${name}-member-${place.account}-${place.region}`, {
    config,
    place,
    env: { account: place.account, region: place.region },
    description: `Rollback controller for ${config.application}: what ${place.account}/${place.region} deploys (alarm and pipeline forwarding, the controller's role)`,
  });
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
