// The softphone's lines in words: one per signed-in account, pushed by the Rust side whenever
// one changes (see crates/desktop/src/line_views.rs). Times are shown in the user's local time.
import type { LineView } from '../bindings/LineView';

export type LineTone = 'ok' | 'busy' | 'error';

export interface LineModel {
  /** What the line is doing, in a word or two ("Registered"). */
  label: string;
  /** When, and what to do when it needs the user. */
  detail: string;
  tone: LineTone;
  /** The state's stable name, for styling and tests. */
  state: LineView['status']['state'] | 'unknown';
}

export function localTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** The line of `accountId`, if it has a state yet. */
export function lineOf(lines: readonly LineView[], accountId: string): LineView | undefined {
  return lines.find((line) => line.account_id === accountId);
}

export function lineModel(line: LineView | undefined, time: (unixSeconds: number) => string = localTime): LineModel {
  if (!line) {
    return { label: 'Connecting…', detail: 'Connecting to the phone system…', tone: 'busy', state: 'unknown' };
  }
  const { status, message } = line;
  switch (status.state) {
    case 'registering':
      return { label: 'Connecting…', detail: message, tone: 'busy', state: status.state };
    case 'registered':
      return {
        label: 'Registered',
        detail: `Until ${time(status.until)}, renewed automatically. ${message}`,
        tone: 'ok',
        state: status.state,
      };
    case 'wrong_credentials':
      return { label: 'Wrong SIP password', detail: message, tone: 'error', state: status.state };
    case 'unreachable':
      return {
        label: 'Phone system unreachable',
        detail: `${message} Next try at ${time(status.next_try_at)}.`,
        tone: 'error',
        state: status.state,
      };
    case 'refused':
      return {
        label: 'Refused by the phone system',
        detail: `${message} Next try at ${time(status.next_try_at)}.`,
        tone: 'error',
        state: status.state,
      };
    case 'not_registered':
      return { label: 'Not registered', detail: message, tone: 'error', state: status.state };
  }
}
