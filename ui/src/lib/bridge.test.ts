// The contract with the Rust commands: names and (camelCase) argument keys.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const { invoke, listen, emit } = vi.hoisted(() => ({
  invoke: vi.fn((command: string, args?: unknown) => {
    void args;
    return Promise.resolve({ command });
  }),
  listen: vi.fn(() => Promise.resolve(() => {})),
  emit: vi.fn(() => Promise.resolve()),
}));
vi.mock('@tauri-apps/api/core', () => ({ invoke }));
vi.mock('@tauri-apps/api/event', () => ({ listen, emit }));

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

  it('invokes the sign-in commands with the login hint and the work email', async () => {
    await tauriBackend.startSignIn('google', null);
    await tauriBackend.startSignIn('acme-sso', 'tom@acme.example');
    await tauriBackend.startEmailSignIn('tom@acme.example');
    expect(invoke.mock.calls).toEqual([
      ['start_sign_in', { provider: 'google', loginHint: null }],
      ['start_sign_in', { provider: 'acme-sso', loginHint: 'tom@acme.example' }],
      ['start_email_sign_in', { email: 'tom@acme.example' }],
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

  it('invokes the password, authenticator-step and security commands with their argument keys', async () => {
    await tauriBackend.signInWithPassword('ann', 'pw');
    await tauriBackend.submitMfaCode('123456');
    await tauriBackend.confirmAuthenticator('pw', '123456');
    await tauriBackend.disableAuthenticator('pw', 'abcde-fghij');
    await tauriBackend.regenerateRecoveryCodes('pw', '654321');
    await tauriBackend.saveRecoveryCodes('ann', ['aaaaa-bbbbb', 'ccccc-ddddd']);
    await tauriBackend.addLinkedProvider('google', 'pw', null);
    await tauriBackend.addLinkedProvider('microsoft', 'pw', '135790');
    await tauriBackend.removeLinkedProvider('l1', 'Google');
    await tauriBackend.addNotificationEmail('vm@example.com');
    await tauriBackend.removeNotificationEmail('vm@example.com');
    await tauriBackend.confirmNotificationEmail('vm@example.com', '123456');
    await tauriBackend.signOutSession('s2', 'Laptop');
    await tauriBackend.changePassword('old', 'correct horse', null);
    await tauriBackend.changePassword('old', 'correct horse', '246810');
    await tauriBackend.confirmIdentity('pw', null);
    await tauriBackend.confirmIdentity('pw', '135790');
    expect(invoke.mock.calls).toEqual([
      ['sign_in_with_password', { username: 'ann', password: 'pw' }],
      ['submit_mfa_code', { code: '123456' }],
      ['confirm_authenticator', { password: 'pw', code: '123456' }],
      ['disable_authenticator', { password: 'pw', code: 'abcde-fghij' }],
      ['regenerate_recovery_codes', { password: 'pw', code: '654321' }],
      ['save_recovery_codes', { username: 'ann', codes: ['aaaaa-bbbbb', 'ccccc-ddddd'] }],
      ['add_linked_provider', { provider: 'google', password: 'pw', code: null }],
      ['add_linked_provider', { provider: 'microsoft', password: 'pw', code: '135790' }],
      ['remove_linked_provider', { linkId: 'l1', providerName: 'Google' }],
      ['add_notification_email', { email: 'vm@example.com' }],
      ['remove_notification_email', { email: 'vm@example.com' }],
      ['confirm_notification_email', { email: 'vm@example.com', code: '123456' }],
      ['sign_out_session', { sessionId: 's2', deviceName: 'Laptop' }],
      ['change_password', { currentPassword: 'old', newPassword: 'correct horse', code: null }],
      ['change_password', { currentPassword: 'old', newPassword: 'correct horse', code: '246810' }],
      ['confirm_identity', { password: 'pw', code: null }],
      ['confirm_identity', { password: 'pw', code: '135790' }],
    ]);
  });

  it('invokes the security commands without arguments by name', async () => {
    await tauriBackend.openSecurity();
    await tauriBackend.closeSecurity();
    await tauriBackend.startAuthenticatorSetup();
    expect(invoke.mock.calls.map(([command]) => command)).toEqual([
      'open_security',
      'close_security',
      'start_authenticator_setup',
    ]);
  });

  it('sends the sign-in screen event once, however often the screen is shown', () => {
    tauriBackend.signInScreenShown?.();
    tauriBackend.signInScreenShown?.();
    expect(emit.mock.calls).toEqual([['sign-in-shown']]);
  });
});
