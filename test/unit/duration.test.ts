import { describe, expect, it } from 'vitest';
import { InvalidDurationError, parseDuration } from '../../shared/time/duration';

describe('parseDuration', () => {
  it.each([
    ['45s', 45_000],
    ['30m', 1_800_000],
    ['12h', 43_200_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
  ])('reads %s as %i ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each(['7', 'd', '7days', '-1d', '1.5h', '0d', ''])('rejects "%s" with the accepted forms', (input) => {
    expect(() => parseDuration(input)).toThrow(InvalidDurationError);
    expect(() => parseDuration(input)).toThrow(/e\.g\. 30m, 12h, 7d/);
  });
});
