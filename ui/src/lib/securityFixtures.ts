// Views of the security settings and the authenticator step, shared by the tests.
import type { AccountSummary } from '../bindings/AccountSummary';
import type { ViewOf } from './appView';

export const FIXED_NOW = Date.UTC(2025, 2, 10, 12, 0, 0);
const nowSeconds = FIXED_NOW / 1000;

export const ann: AccountSummary = {
  account_id: 'a1',
  username: 'ann',
  display_name: 'Ann Example',
  extension: '201',
  organization_name: 'Acme',
};

export const mfaView: ViewOf<'mfa_required'> = { screen: 'mfa_required', notice: null };

/** A 7×7 code (a finder pattern): 33 dark modules. */
export const smallQr = {
  size: 7,
  rows: ['1111111', '1000001', '1011101', '1011101', '1011101', '1000001', '1111111'],
};

/** Authenticator off, two linked identities, a notification email, three sessions. */
export const securityView: ViewOf<'security'> = {
  screen: 'security',
  account: ann,
  overview: {
    username: 'ann',
    authenticator: { enabled: false, recovery_codes_left: 0 },
    linked_providers: [
      { link_id: 'l1', provider_id: 'google', provider_name: 'Google', email: 'ann@example.com', linked_at: 1 },
      { link_id: 'l2', provider_id: 'google', provider_name: 'Google', email: 'ann.private@example.org', linked_at: 2 },
    ],
    emails: [
      { email: 'ann@example.com', purpose: 'login', also_login_email_of: 0, confirmed: true },
      { email: 'team@example.com', purpose: 'login', also_login_email_of: 2, confirmed: true },
      { email: 'voicemail@example.com', purpose: 'notification', also_login_email_of: 0, confirmed: true },
    ],
    warnings: [
      { kind: 'several_login_emails', count: 2 },
      { kind: 'shared_login_email', email: 'team@example.com', other_accounts: 2 },
    ],
    sessions: [
      {
        session_id: 's1',
        device_name: 'Work laptop',
        auth_method: 'sso:acme-sso+totp',
        created_at: nowSeconds - 86400 * 30,
        last_used_at: nowSeconds - 600,
        current: false,
        client: 'app',
        user_agent: 'Switchboard-App/0.1.0',
        signed_in_from: '198.51.100.7',
        last_used_from: '203.0.113.9',
      },
      {
        session_id: 's2',
        device_name: 'This PC',
        auth_method: 'password',
        created_at: nowSeconds - 3600,
        last_used_at: nowSeconds - 10,
        current: true,
        client: 'app',
        user_agent: 'Switchboard-App/0.1.0',
        signed_in_from: '127.0.0.1',
        last_used_from: '127.0.0.1',
      },
      {
        session_id: 's3',
        device_name: 'Phone',
        auth_method: 'password+recovery_code',
        created_at: nowSeconds - 86400 * 40,
        last_used_at: nowSeconds - 86400 * 3,
        current: false,
        client: 'command_line',
        user_agent: 'Switchboard-CLI/0.1.0',
        signed_in_from: '192.0.2.44',
        last_used_from: '192.0.2.44',
      },
    ],
    confirmed_for_seconds: 0,
  },
  providers: [
    { id: 'google', kind: 'google', display_name: 'Google' },
    { id: 'microsoft', kind: 'microsoft', display_name: 'Microsoft' },
    { id: 'acme-sso', kind: 'oidc', display_name: 'Acme SSO' },
  ],
  setup: null,
  recovery_codes: null,
  notice: null,
};

export const settingUp: ViewOf<'security'> = {
  ...securityView,
  setup: {
    secret: 'JBSWY3DPEHPK3PXP',
    otpauth_uri: 'otpauth://totp/Switchboard:ann?secret=JBSWY3DPEHPK3PXP&issuer=Switchboard',
    qr: smallQr,
  },
};

export const authenticatorOn: ViewOf<'security'> = {
  ...securityView,
  overview: { ...securityView.overview, authenticator: { enabled: true, recovery_codes_left: 10 } },
};

/** The user confirmed it's them a minute ago (step-up holds four more minutes). */
export const confirmed: ViewOf<'security'> = {
  ...securityView,
  overview: { ...securityView.overview, confirmed_for_seconds: 240 },
};

export const withRecoveryCodes: ViewOf<'security'> = {
  ...authenticatorOn,
  recovery_codes: ['abcde-fghjk', 'mnpqr-stuvw', 'xyz23-45678'],
  notice: { kind: 'info', message: 'Your authenticator app is on.', code: null },
};
