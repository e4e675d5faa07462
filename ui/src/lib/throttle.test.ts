import { describe, expect, it } from 'vitest';
import type { Notice } from '../bindings/Notice';
import { WAIT_OVER, countdownText, retryDeadline, waitModel, waitReason } from './throttle';

const throttled: Notice = {
  kind: 'error',
  message: 'Too many wrong attempts. Try again in 2 minutes.',
  code: 'too_many_attempts',
  retry_after_seconds: 95,
};

const wrongWithWait: Notice = {
  kind: 'error',
  message: 'The username or password is wrong. Try again in 4 seconds.',
  code: 'invalid_credentials',
  retry_after_seconds: 4,
};

describe('retryDeadline', () => {
  it('counts from when the answer came', () => {
    expect(retryDeadline(throttled, 1_000)).toBe(96_000);
  });

  it('counts a wrong password that started a wait', () => {
    expect(retryDeadline(wrongWithWait, 1_000)).toBe(5_000);
  });

  it('is no wait for other notices, or without a time', () => {
    expect(retryDeadline(null, 0)).toBeNull();
    expect(retryDeadline({ kind: 'error', message: 'Wrong password.', code: 'invalid_credentials' }, 0)).toBeNull();
    expect(
      retryDeadline({ kind: 'error', message: 'Busy.', code: 'temporarily_unavailable', retry_after_seconds: 5 }, 0),
    ).toBeNull();
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

  it('keeps a wrong password one message: what was wrong, then the wait counting down', () => {
    const first = waitModel(wrongWithWait, 5_000, 1_000);
    expect(first).toEqual({
      waiting: true,
      kind: 'error',
      text: 'The username or password is wrong. Try again in 0:04.',
      announcement: 'The username or password is wrong. Try again in 4 seconds.',
    });
    expect(waitModel(wrongWithWait, 5_000, 2_500).text).toBe('The username or password is wrong. Try again in 0:03.');
  });

  it('names what the wait is for', () => {
    expect(waitReason(throttled)).toBe('Too many wrong attempts.');
    expect(waitReason(wrongWithWait)).toBe('The username or password is wrong.');
    expect(waitReason({ ...wrongWithWait, message: 'Your current password is wrong' })).toBe(
      'Your current password is wrong.',
    );
    expect(waitReason({ ...wrongWithWait, message: 'Wrong (v1.2) password! Try again in 2 seconds.' })).toBe(
      'Wrong (v1.2) password!',
    );
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
