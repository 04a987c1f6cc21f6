import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `--debug`: a stack trace whose frames in the bundled CLI point back to the TypeScript they came
 * from (the source map ships beside the bundle). From a clone (tsx) frames already name the sources:
 * there is no map beside them, and the stack is returned as it is.
 */
export function sourceMappedStack(stack: string, bundleUrl: string = import.meta.url): string {
  let bundlePath: string;
  try {
    bundlePath = fileURLToPath(bundleUrl);
  } catch {
    return stack;
  }
  const mapPath = `${bundlePath}.map`;
  if (!bundlePath.endsWith('.mjs') || !existsSync(mapPath)) return stack;
  let map: SourceMap;
  try {
    map = new SourceMap(JSON.parse(readFileSync(mapPath, 'utf8')));
  } catch {
    return stack;
  }
  return stack.replace(/(file:\/\/[^\s)]+|\/[^\s():]+):(\d+):(\d+)/g, (frame, file: string, line: string, column: string) => {
    if (file !== bundlePath && file !== bundleUrl) return frame;
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (!entry.originalSource) return frame;
    // The build names sources from the repository root (cli/main.ts); Node may hand them back as file URLs.
    const source = entry.originalSource.startsWith('file://') ? relative(dirname(mapPath), fileURLToPath(entry.originalSource)).replace(/^(?:\.\.\/)+/, '') : entry.originalSource;
    return `${source}:${(entry.originalLine ?? 0) + 1}:${(entry.originalColumn ?? 0) + 1}`;
  });
}
