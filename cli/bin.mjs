#!/usr/bin/env node
// rollbackctl entry: runs the TypeScript CLI through tsx, so it needs no build step.
import { register } from 'tsx/esm/api';

// The AWS SDK warns once per process that future releases need Node 22; on-call output is not the place.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  if (String(warning).startsWith('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};

register();
await import('./main.ts');
