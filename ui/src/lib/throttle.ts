// Too many wrong attempts, or a wrong password from the third on: the portal says how long to
// wait. The notice counts that wait down live, the form's button is held until it ends, and one
// message stays on screen (a try at once would only be refused with another).
import type { ErrorCode } from '../bindings/ErrorCode';
import type { Notice } from '../bindings/Notice';

/** The answers that may come with a wait: a lockout, and a wrong password that started a wait. */
const WAITING_CODES: readonly ErrorCode[] = ['too_many_attempts', 'invalid_credentials'];

/** When trying again can succeed (milliseconds, as `Date.now()`), or `null` when no wait. */
export function retryDeadline(notice: Notice | null | undefined, receivedAt: number): number | null {
  if (!notice?.code || !WAITING_CODES.includes(notice.code)) return null;
  const seconds = notice.retry_after_seconds;
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return null;
  return receivedAt + seconds * 1000;
}

/** "0:42", "14:05", "1:02:03": whole seconds left, rounded up. */
export function countdownText(msLeft: number): string {
  const total = Math.max(0, Math.ceil(msLeft / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

export const WAIT_OVER = 'You can try again now.';

export interface WaitModel {
  /** Still waiting: the form's button is held. */
  waiting: boolean;
  kind: 'error' | 'info';
  /** Shown, and updated every second while waiting. */
  text: string;
  /**
   * Read out by screen readers: the portal's sentence once, then that the wait is over (not
   * every second).
   */
  announcement: string;
}

/**
 * What the wait is for: "Too many wrong attempts.", or for a wrong password the portal's first
 * sentence ("The username or password is wrong.") without its own "Try again in 4 seconds.".
 */
export function waitReason(notice: Notice): string {
  if (notice.code === 'too_many_attempts') return 'Too many wrong attempts.';
  const message = notice.message.trim();
  const end = message.search(/[.!?](\s|$)/);
  return end < 0 ? `${message}.` : message.slice(0, end + 1);
}

/** What the notice says at `now` about a wait that ends at `deadline`. */
export function waitModel(notice: Notice, deadline: number, now: number): WaitModel {
  const left = deadline - now;
  if (left <= 0) return { waiting: false, kind: 'info', text: WAIT_OVER, announcement: WAIT_OVER };
  return {
    waiting: true,
    kind: 'error',
    text: `${waitReason(notice)} Try again in ${countdownText(left)}.`,
    announcement: notice.message,
  };
}
