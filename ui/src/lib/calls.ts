// The calls as the window shows them: which call rings, how long one has lasted, what a key
// does while a call rings, and what can be dialled. The words come from Rust (CallView).
import type { CallView } from '../bindings/CallView';
import type { CallsView } from '../bindings/CallsView';

export const NO_CALLS: CallsView = { calls: [], notice: null, revision: 0 };

/**
 * The newer of the view shown and one that arrived: a command's answer (dial, the first
 * fetch) can arrive after a later change was pushed, and must not bring back an older state.
 */
export function newerCalls(shown: CallsView, arrived: CallsView): CallsView {
  return arrived.revision >= shown.revision ? arrived : shown;
}

/** The keypad's keys, in the order a phone shows them. */
export const KEYPAD: readonly string[] = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

/** The call that rings here and waits for an answer, if any (the oldest). */
export function ringingCall(calls: CallsView): CallView | null {
  return calls.calls.find((call) => call.incoming && call.status.state === 'ringing') ?? null;
}

/** A second call ringing while another is up: answering it holds the first. */
export function isCallWaiting(calls: CallsView, call: CallView): boolean {
  return (
    call.status.state === 'ringing' &&
    calls.calls.some((other) => other.call_id !== call.call_id && other.status.state === 'connected')
  );
}

/** How long a connected call has lasted ("0:42", "1:02:03"); null before it is connected. */
export function durationLabel(call: CallView, nowSeconds: number): string | null {
  if (call.status.state !== 'connected') return null;
  const total = Math.max(0, Math.floor(nowSeconds - call.status.since));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** What a key does while a call rings: Enter answers, Escape declines. */
export function ringingKeyAction(key: string, ringing: CallView | null): 'answer' | 'decline' | null {
  if (!ringing) return null;
  if (key === 'Enter') return 'answer';
  if (key === 'Escape') return 'decline';
  return null;
}

/** Whether `text` can be dialled: an extension or number (digits, spaces, + * # - . ( )) or a sip: address. */
export function isDialable(text: string): boolean {
  const trimmed = text.trim();
  if (/^sips?:\S+$/.test(trimmed)) return true;
  const number = trimmed.replace(/^tel:/, '').replace(/[\s\-.()]/g, '');
  return /^\+?[0-9*#]+$/.test(number);
}
