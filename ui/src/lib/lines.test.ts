import { describe, expect, it } from 'vitest';
import type { LineView } from '../bindings/LineView';
import { lineModel, lineOf } from './lines';

const at = (seconds: number): string => `t${seconds}`;

function line(status: LineView['status'], message = 'Said by Rust.'): LineView {
  return { account_id: 'acct-alice', display_name: 'Alice', extension: '201', status, message };
}

describe('lineModel', () => {
  it('says registered and until when', () => {
    const model = lineModel(line({ state: 'registered', until: 1800, takes_calls: true }), at);
    expect(model).toMatchObject({ label: 'Registered', tone: 'ok', state: 'registered' });
    expect(model.detail).toContain('t1800');
  });

  it('says when the next try is while the registrar is unreachable', () => {
    const model = lineModel(line({ state: 'unreachable', next_try_at: 99, reason: 'no answer' }), at);
    expect(model.tone).toBe('error');
    expect(model.detail).toBe('Said by Rust. Next try at t99.');
  });

  it('shows what to do when the password is refused', () => {
    const model = lineModel(
      line({ state: 'wrong_credentials', status: 401, refetch_error: null }, 'Ask your office manager.'),
      at,
    );
    expect(model).toMatchObject({ label: 'Wrong SIP password', detail: 'Ask your office manager.', tone: 'error' });
  });

  it('is connecting before the first state arrives', () => {
    expect(lineModel(undefined, at)).toMatchObject({ label: 'Connecting…', tone: 'busy', state: 'unknown' });
  });

  it('finds the line of an account', () => {
    const lines = [line({ state: 'registering' })];
    expect(lineOf(lines, 'acct-alice')).toBe(lines[0]);
    expect(lineOf(lines, 'acct-tom')).toBeUndefined();
  });
});
