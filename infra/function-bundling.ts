import { build } from 'esbuild';

/**
 * How every controller function is bundled — one definition, used by the CDK construct and by the
 * cold-start benchmark, so what is measured is what is deployed.
 * ESM: the runtime loads it natively and esbuild tree-shakes it; the banner gives CommonJS
 * dependencies the `require` they expect. The AWS SDK v3 stays external: the runtime ships it.
 */
export const FUNCTION_BUNDLING = {
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  external: ['@aws-sdk/*'],
} as const;

/** esbuild `define` that compiles the validated configuration into a bundle. */
export function configDefine(config: unknown): Record<string, string> {
  return { ROLLBACK_CONFIG: JSON.stringify(config) };
}

/** Bundles one handler (or any entry) with FUNCTION_BUNDLING, outside CDK: `npm run build` and the benchmarks. */
export async function bundleFunction(options: { entry: string; outfile: string; config: unknown; sourcemap?: boolean; external?: string[] }): Promise<void> {
  await build({
    ...FUNCTION_BUNDLING,
    banner: { js: FUNCTION_BUNDLING.banner },
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    external: options.external ?? [...FUNCTION_BUNDLING.external],
    sourcemap: options.sourcemap ?? FUNCTION_BUNDLING.sourcemap,
    entryPoints: [options.entry],
    bundle: true,
    outfile: options.outfile,
    define: configDefine(options.config),
    logLevel: 'warning',
  });
}
