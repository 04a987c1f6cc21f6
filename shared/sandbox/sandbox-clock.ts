import type { Clock } from '../time/clock';

/**
 * Sandbox time for local drills: starts where told, runs with the wall clock, and jumps ahead on
 * `sleep` while only waiting 1/compression of it for real — validation polling in seconds, not minutes.
 */
export class SandboxClock implements Clock {
  readonly #startWall = Date.now();
  readonly #start: number;
  #skipped = 0;

  constructor(
    start: Date,
    readonly compression: number,
  ) {
    this.#start = start.getTime();
  }

  now(): Date {
    return new Date(this.#start + (Date.now() - this.#startWall) + this.#skipped);
  }

  async sleep(milliseconds: number): Promise<void> {
    const real = milliseconds / this.compression;
    await new Promise((resume) => setTimeout(resume, real));
    this.#skipped += milliseconds - real;
  }

  /** Moves sandbox time forward without waiting (e.g. "two minutes later, another alarm"). */
  advance(milliseconds: number): void {
    this.#skipped += milliseconds;
  }
}
