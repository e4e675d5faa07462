import { describe, expect, it } from 'vitest';
import type { Notice } from '../bindings/Notice';
import { WAIT_OVER, countdownText, retryDeadline, waitModel } from './throttle';

const throttled: Notice = {
  kind: 'error',
  message: 'Too many wrong attempts. Try again in 2 minutes.',
  code: 'too_many_attempts',
  retry_after_seconds: 95,
};

describe('retryDeadline', () => {
  it('counts from when the answer came', () => {
    expect(retryDeadline(throttled, 1_000)).toBe(96_000);
  });

  it('is no wait for other notices, or without a time', () => {
    expect(retryDeadline(null, 0)).toBeNull();
    expect(retryDeadline({ kind: 'error', message: 'Wrong password.', code: 'invalid_credentials' }, 0)).toBeNull();
    expect(retryDeadline({ ...throttled, retry_after_seconds: undefined }, 0)).toBeNull();
    expect(retryDeadline({ ...throttled, retry_after_seconds: 0 }, 0)).toBeNull();
  });
});

describe('countdownText', () => {
  it('shows minutes and seconds, rounding up', () => {
    expect(countdownText(95_000)).toBe('1:35');
    expect(countdownText(41_200)).toBe('0:42');
    expect(countdownText(900_000)).toBe('15:00');
    expect(countdownText(3_723_000)).toBe('1:02:03');
    expect(countdownText(-5)).toBe('0:00');
  });
});

describe('waitModel', () => {
  it('counts down live while waiting, and announces the portal sentence only', () => {
    const first = waitModel(throttled, 96_000, 1_000);
    const later = waitModel(throttled, 96_000, 2_000);
    expect(first).toEqual({
      waiting: true,
      kind: 'error',
      text: 'Too many wrong attempts. Try again in 1:35.',
      announcement: 'Too many wrong attempts. Try again in 2 minutes.',
    });
    expect(later.text).toBe('Too many wrong attempts. Try again in 1:34.');
    expect(later.announcement).toBe(first.announcement);
  });

  it('says once the wait is over that trying again works, and no longer holds the button', () => {
    expect(waitModel(throttled, 96_000, 96_000)).toEqual({
      waiting: false,
      kind: 'info',
      text: WAIT_OVER,
      announcement: WAIT_OVER,
    });
  });
});
