// The contract with the Rust commands: names and (camelCase) argument keys.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const { invoke, listen } = vi.hoisted(() => ({
  invoke: vi.fn((command: string, args?: unknown) => {
    void args;
    return Promise.resolve({ command });
  }),
  listen: vi.fn(() => Promise.resolve(() => {})),
}));
vi.mock('@tauri-apps/api/core', () => ({ invoke }));
vi.mock('@tauri-apps/api/event', () => ({ listen }));

const { tauriBackend } = await import('./bridge');

describe('tauriBackend', () => {
  beforeEach(() => invoke.mockClear());

  it('invokes the account commands with the arguments Tauri maps to the Rust parameters', async () => {
    await tauriBackend.chooseAccount('a2', true);
    await tauriBackend.linkAccount('ann', 'pw', null);
    await tauriBackend.linkAccount('ann', 'pw', '123456');
    await tauriBackend.switchAccount('a3');
    expect(invoke.mock.calls).toEqual([
      ['choose_account', { accountId: 'a2', remember: true }],
      ['link_account', { username: 'ann', password: 'pw', totpCode: null }],
      ['link_account', { username: 'ann', password: 'pw', totpCode: '123456' }],
      ['switch_account', { accountId: 'a3' }],
    ]);
  });

  it('invokes the commands without arguments by name', async () => {
    await tauriBackend.useDifferentAccount();
    await tauriBackend.addAccount();
    await tauriBackend.signOut();
    await tauriBackend.signOutAll();
    await tauriBackend.cancelSignIn();
    expect(invoke.mock.calls.map(([command]) => command)).toEqual([
      'use_different_account',
      'add_account',
      'sign_out',
      'sign_out_all',
      'cancel_sign_in',
    ]);
  });
});
