import { defineTarget } from '../target-plugin';
import { lambdaAliasDriver } from './aws';
import { aliasPointProblems, describeVersions, lambdaAliasConfigSchema, lambdaAliasExpectationSchema, lambdaAliasPointSchema } from './lambda-alias-rules';
import { lambdaAliasTwin } from './sandbox';

/** A Lambda alias: the functions' traffic, moved back to the recorded versions in one call each. */
export const lambdaAliasTarget = defineTarget({
  type: 'lambda-alias',
  title: 'Lambda alias',
  movesTraffic: true,
  pointIsServedState: true,
  checkName: 'versions',
  configSchema: lambdaAliasConfigSchema,
  restorePointSchema: lambdaAliasPointSchema,
  expectationSchema: lambdaAliasExpectationSchema,
  describeConfig: (config) => `alias ${config.alias} of ${config.functions.join(', ')}`,
  describeRestorePoint: (point) => describeVersions(point),
  resourceKeys: (config) => config.functions.map((name) => `lambda ${config.roleArn ?? ''} ${config.region ?? ''} ${name}:${config.alias}`),
  pointProblems: (config, point) => aliasPointProblems(config, point),
  iam: (config, arn) => {
    const functions = config.functions.flatMap((name) => {
      const functionArn = arn('lambda', `function:${name}`);
      return [functionArn, `${functionArn}:${config.alias}`];
    });
    const read = { actions: ['lambda:GetAlias'], resources: functions };
    // Whether each recorded version still exists: a version is a qualifier of its function.
    const versions = {
      actions: ['lambda:GetFunctionConfiguration'],
      resources: config.functions.flatMap((name) => [arn('lambda', `function:${name}`), `${arn('lambda', `function:${name}`)}:*`]),
      wildcardReason: 'a published version is a qualifier of its function (function:NAME:N), published after the stack: read-only, on the named functions only',
    };
    return { restore: [{ actions: ['lambda:GetAlias', 'lambda:UpdateAlias'], resources: functions }], check: [read], capture: [read], readiness: [versions, read] };
  },
  aws: lambdaAliasDriver,
  sandbox: lambdaAliasTwin,
  demoRestorePoint: (config, release) => ({ versions: Object.fromEntries(config.functions.map((name) => [name, String(release.number)])) }),
  recordFlag: {
    flags: '--lambda <function=version>',
    description: 'Lambda version now behind the alias; repeat per function',
    parse: (values, config) => {
      const versions: Record<string, string> = {};
      for (const value of values) {
        const match = /^([^=]+)=(\d+)$/.exec(value);
        if (!match) throw new Error(`"${value}": use FUNCTION=VERSION with a published version number, e.g. api=42`);
        const [, functionName, version] = match as unknown as [string, string, string];
        if (!config.functions.includes(functionName)) throw new Error(`"${value}": the alias serves ${config.functions.join(', ')} (see the configuration)`);
        versions[functionName] = version;
      }
      return { versions };
    },
  },
});
