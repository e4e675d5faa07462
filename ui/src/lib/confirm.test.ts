import { describe, expect, it } from 'vitest';
import {
  removeLinkConfirm,
  scrollKeepingPointerOff,
  signOutAllConfirm,
  signOutConfirm,
  signOutSessionConfirm,
} from './confirm';

describe('confirmations say what will happen', () => {
  it('signing out names the account and its line', () => {
    expect(signOutConfirm('Maria Manager', '210', 2)).toEqual({
      question: 'Sign out Maria Manager? Calls to extension 210 stop ringing on this computer until you sign in again.',
      confirm: 'Sign out Maria Manager',
    });
    expect(signOutConfirm('Ann', '', 0)).toEqual({
      question: 'Sign out Ann? Its line stops on this computer until you sign in again.',
      confirm: 'Sign out',
    });
  });

  it('signing out of all counts the accounts', () => {
    expect(signOutAllConfirm(3).question).toBe(
      'Sign out all 3 accounts on this computer? None of their lines ring here until each signs in again.',
    );
    expect(signOutAllConfirm(3).confirm).toBe('Sign out of all');
  });

  it('removing a linked sign-in names it and what still signs you in', () => {
    expect(removeLinkConfirm('Google', 'alice@acme.example')).toEqual({
      question: 'Remove Google (alice@acme.example)? It will no longer sign you in; your username and password still do.',
      confirm: 'Remove Google',
    });
    expect(removeLinkConfirm('Apple', null).question).toMatch(/^Remove Apple\? /);
  });

  it("removing a sign-in whose email is still the account's own says it may still sign you in", () => {
    expect(removeLinkConfirm('Google', 'Alice@acme.example', ['bob@acme.example', 'alice@acme.example']).question).toBe(
      "Remove Google (Alice@acme.example)? The link goes, but Alice@acme.example is still your account's email, so Google may still sign you in with it. Your username and password still work.",
    );
    expect(removeLinkConfirm('Google', 'ann@gmail.com', ['alice@acme.example']).question).toMatch(
      /It will no longer sign you in/,
    );
  });

  it('signing out another session names the device', () => {
    expect(signOutSessionConfirm("Alice's desktop")).toEqual({
      question: "Sign out Alice's desktop? It has to sign in again to use this account.",
      confirm: 'Sign it out',
    });
  });
});

describe('scrollKeepingPointerOff', () => {
  // The question's confirm button, just below the window's bottom edge (640).
  const danger = { left: 110, top: 638, right: 288, bottom: 670 };

  it('scrolls the whole way when nothing acts under the pointer then', () => {
    expect(scrollKeepingPointerOff(0, { x: 116, y: 612 }, danger)).toBe(0);
    expect(scrollKeepingPointerOff(30, null, danger)).toBe(30);
    expect(scrollKeepingPointerOff(30, { x: 60, y: 612 }, danger)).toBe(30);
    expect(scrollKeepingPointerOff(10, { x: 116, y: 612 }, danger)).toBe(10);
  });

  it('stops short of bringing the confirm button under the pointer', () => {
    const s = scrollKeepingPointerOff(30, { x: 116, y: 612 }, danger);
    expect(s).toBe(22);
    expect(danger.top - s).toBeGreaterThan(612);
  });

  it('scrolls past when the whole way takes the button beyond the pointer', () => {
    expect(scrollKeepingPointerOff(80, { x: 116, y: 612 }, danger)).toBe(80);
  });
});
