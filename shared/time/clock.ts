/** The time source every decision takes, so tests and drills can control it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told: for tests and compressed drill timelines. */
export class ManualClock implements Clock {
  #current: number;
  constructor(start: Date | string = '2026-01-01T00:00:00.000Z') {
    this.#current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.#current);
  }
  advance(milliseconds: number): void {
    this.#current += milliseconds;
  }
  set(to: Date | string): void {
    this.#current = new Date(to).getTime();
  }
}
