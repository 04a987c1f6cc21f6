import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { RollbackConfig } from '../../shared/config';

export interface ControllerFunctionProps {
  /** functions/<name>/handler.ts */
  name: 'orchestrator' | 'validator' | 'recorder';
  config: RollbackConfig;
  timeout: Duration;
  memorySize?: number;
  environment?: Record<string, string>;
}

/**
 * Every controller function is built the same way: Node 24 on ARM64, bundled by the local esbuild
 * (no Docker) as minified ESM with source maps, the validated configuration compiled in, and an
 * explicit log group. ESM because the runtime loads it natively and tree-shaking keeps cold starts
 * small; the banner gives CommonJS dependencies the `require` they expect. The AWS SDK v3 stays
 * external: the runtime ships it, which keeps each bundle a few hundred KB.
 */
export class ControllerFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ControllerFunctionProps) {
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
        target: 'node24',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        externalModules: ['@aws-sdk/*'],
        define: { ROLLBACK_CONFIG: JSON.stringify(props.config) },
      },
    };
    super(scope, id, functionProps);
  }
}
