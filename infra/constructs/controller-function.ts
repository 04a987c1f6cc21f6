import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { RollbackConfig } from '../../shared/config';
import { BUNDLED_CONFIG_FILE, configFileFor, FUNCTION_BUNDLING } from '../function-bundling';

export interface ControllerFunctionProps {
  /** functions/<name>/handler.ts */
  name: 'orchestrator' | 'validator' | 'recorder';
  config: RollbackConfig;
  timeout: Duration;
  memorySize?: number;
  environment?: Record<string, string>;
  /** A fixed name for its role (environments in other accounts trust the controller's roles by name). */
  roleName?: string;
}

/**
 * Every controller function is built the same way: Node 24 on ARM64, bundled by the local esbuild
 * (no Docker) per FUNCTION_BUNDLING, the validated configuration shipped beside it, an explicit log group.
 */
export class ControllerFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ControllerFunctionProps) {
    const configFile = configFileFor(props.config);
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    const functionProps: NodejsFunctionProps = {
      entry: `functions/${props.name}/handler.ts`,
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: props.name, ...props.environment },
      bundling: {
        format: OutputFormat.ESM,
        target: FUNCTION_BUNDLING.target,
        minify: FUNCTION_BUNDLING.minify,
        sourceMap: FUNCTION_BUNDLING.sourcemap,
        mainFields: [...FUNCTION_BUNDLING.mainFields],
        banner: FUNCTION_BUNDLING.banner,
        externalModules: [...FUNCTION_BUNDLING.external],
        // The configuration ships beside the bundle (see configFileFor): copied in once esbuild is done.
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [`cp ${JSON.stringify(configFile)} ${JSON.stringify(`${outputDir}/${BUNDLED_CONFIG_FILE}`)}`],
        },
      },
    };
    super(scope, id, functionProps);
    // CDK's own role for the function, named: a member account's role trusts it by this name.
    if (props.roleName) (this.role!.node.defaultChild as CfnRole).roleName = props.roleName;
  }
}
