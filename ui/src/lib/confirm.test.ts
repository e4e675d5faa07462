import { describe, expect, it } from 'vitest';
import { removeLinkConfirm, signOutAllConfirm, signOutConfirm, signOutSessionConfirm } from './confirm';

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

  it('signing out another session names the device', () => {
    expect(signOutSessionConfirm("Alice's desktop")).toEqual({
      question: "Sign out Alice's desktop? It has to sign in again to use this account.",
      confirm: 'Sign it out',
    });
  });
});
