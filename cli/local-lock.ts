import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Another rollbackctl holds the local history: two DynamoDB Local processes on one data folder corrupt each other's answers. */
export class LocalHistoryBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalHistoryBusyError';
  }
}

interface LockHolder {
  pid: number;
  command: string;
  since: string;
}

/** Whether a process with this id still runs (EPERM: it does, as another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    return typeof holder.pid === 'number' ? { pid: holder.pid, command: String(holder.command ?? 'rollbackctl'), since: String(holder.since ?? '?') } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One `--local` command at a time per local home: the lock file names the holder (pid, command,
 * since). A lock whose process is gone (killed, crashed) is taken over; a live one is refused, naming
 * it. Returns the release, also run when the process exits.
 */
export function lockLocalHistory(stateDirectory: string, command: string): () => void {
  mkdirSync(stateDirectory, { recursive: true });
  const path = join(stateDirectory, 'rollbackctl.lock');
  const mine: LockHolder = { pid: process.pid, command, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      writeFileSync(path, JSON.stringify(mine), { flag: 'wx' });
      const release = () => {
        process.removeListener('exit', release);
        if (readHolder(path)?.pid === process.pid) unlinkSync(path);
      };
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(path);
    if (holder && isRunning(holder.pid) && holder.pid !== process.pid) {
      throw new LocalHistoryBusyError(
        `the local history (${stateDirectory}) is in use by another rollbackctl: pid ${holder.pid}, \`${holder.command}\`, since ${holder.since}. Wait for it to finish (or stop it), then run again.`,
      );
    }
    // Left by a process that is gone (or unreadable, half-written): take it over.
    try {
      unlinkSync(path);
    } catch {
      // Another command took it over first: the next attempt sees whose it is.
    }
  }
  throw new LocalHistoryBusyError(`could not take the local history's lock (${path}): remove it if no rollbackctl is running`);
}
