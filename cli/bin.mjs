#!/usr/bin/env node
// rollbackctl from a clone: runs the TypeScript CLI through tsx, so it needs no build step.
// The installed package runs the bundle instead (dist/cli/rollbackctl.mjs, built by `npm pack`).
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
