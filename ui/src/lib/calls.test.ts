import { describe, expect, it } from 'vitest';
import type { CallView } from '../bindings/CallView';
import { durationLabel, isCallWaiting, isDialable, newerCalls, ringingCall, ringingKeyAction } from './calls';

function call(id: string, status: CallView['status']['state'], since = 0): CallView {
  const state = status === 'connected' ? { state: status, since } : { state: status };
  return {
    call_id: id,
    account_id: 'acct-alice',
    line_label: '201',
    incoming: true,
    peer_label: 'Maria Manager (210)',
    peer_number: '210',
    message: 'Said by Rust.',
    status: {
      call_id: id,
      account_id: 'acct-alice',
      incoming: true,
      peer_number: '210',
      peer_name: 'Maria Manager',
      on_hold: false,
      muted: false,
      ...state,
    } as CallView['status'],
  };
}

describe('calls', () => {
  it('finds the call that rings, and call waiting when another is up', () => {
    const up = call('a', 'connected', 100);
    const ringing = call('b', 'ringing');
    expect(ringingCall({ calls: [up, ringing], notice: null, revision: 1 })?.call_id).toBe('b');
    expect(ringingCall({ calls: [up], notice: null, revision: 1 })).toBeNull();
    expect(isCallWaiting({ calls: [up, ringing], notice: null, revision: 1 }, ringing)).toBe(true);
    expect(isCallWaiting({ calls: [ringing], notice: null, revision: 1 }, ringing)).toBe(false);
  });

  it('counts a connected call in minutes and hours', () => {
    expect(durationLabel(call('a', 'connected', 100), 142)).toBe('0:42');
    expect(durationLabel(call('a', 'connected', 100), 100 + 3723)).toBe('1:02:03');
    expect(durationLabel(call('a', 'ringing'), 142)).toBeNull();
  });

  it('answers with Enter and declines with Escape only while a call rings', () => {
    const ringing = call('b', 'ringing');
    expect(ringingKeyAction('Enter', ringing)).toBe('answer');
    expect(ringingKeyAction('Escape', ringing)).toBe('decline');
    expect(ringingKeyAction('a', ringing)).toBeNull();
    expect(ringingKeyAction('Enter', null)).toBeNull();
  });

  it('dials extensions, numbers and sip: addresses, nothing else', () => {
    for (const text of ['210', ' +1 (555) 010-0100 ', 'tel:+15550100', '*97#', 'sip:210@sip.acme.example']) {
      expect(isDialable(text)).toBe(true);
    }
    for (const text of ['', 'maria', '21a', 'sip:', '1+2']) {
      expect(isDialable(text)).toBe(false);
    }
  });

  it('keeps the newer view when a command answers after a pushed change', () => {
    const calling = { calls: [call('a', 'calling')], notice: null, revision: 1 };
    const connected = { calls: [call('a', 'connected', 100)], notice: null, revision: 3 };
    // The dial's answer (revision 1) arrives after "connected" was pushed (revision 3).
    expect(newerCalls(connected, calling)).toBe(connected);
    expect(newerCalls(calling, connected)).toBe(connected);
    const ended = { calls: [], notice: 'Maria hung up.', revision: 4 };
    expect(newerCalls(connected, ended)).toBe(ended);
  });
});
