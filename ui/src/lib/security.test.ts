import { describe, expect, it } from 'vitest';
import type { ProviderOption } from '../bindings/ProviderOption';
import type { SessionInfo } from '../bindings/SessionInfo';
import { COPY_IDLE, copyLinkReducer } from './copyLink';
import {
  QR_QUIET_ZONE,
  addProviderButtons,
  authenticatorStatusText,
  codeArg,
  emailItems,
  emailListed,
  groupSecret,
  lastUsedText,
  linkedProviderItems,
  methodLabel,
  qrModel,
  recoveryCodesText,
  recoveryCopyFeedback,
  savedToText,
  sessionItems,
  programLabel,
  localDateTime,
  MAX_PROGRAM_CHARS,
  confirmedText,
  validateChangePassword,
  validateConfirmIdentity,
  validateEmailCode,
  validateNotificationEmail,
  validatePasswordAndCode,
  warningText,
  keepPasswordAfter,
  warningTexts,
} from './security';

const providers: ProviderOption[] = [
  { id: 'google', kind: 'google', display_name: 'Google' },
  { id: 'microsoft', kind: 'microsoft', display_name: 'Microsoft' },
  { id: 'acme-sso', kind: 'oidc', display_name: 'Acme SSO' },
];

describe('qrModel', () => {
  const qr = { size: 5, rows: ['11100', '10001', '00100', '01010', '11111'] };

  it('draws one unit square per dark module, shifted by the quiet zone', () => {
    const model = qrModel(qr);
    const ones = qr.rows.join('').split('').filter((c) => c === '1').length;
    expect(model.modules).toHaveLength(ones);
    expect(model.path.match(/h1v1h-1z/g)).toHaveLength(ones);
    expect(model.modules[0]).toEqual({ x: QR_QUIET_ZONE, y: QR_QUIET_ZONE });
    expect(model.path.startsWith(`M${QR_QUIET_ZONE} ${QR_QUIET_ZONE}h1v1h-1z`)).toBe(true);
    // The last row's last module.
    expect(model.modules.at(-1)).toEqual({ x: 4 + QR_QUIET_ZONE, y: 4 + QR_QUIET_ZONE });
  });

  it('leaves a 4-module quiet zone on each side in the view box', () => {
    expect(QR_QUIET_ZONE).toBe(4);
    expect(qrModel(qr).viewBox).toBe('0 0 13 13');
    expect(qrModel(qr).extent).toBe(13);
    expect(qrModel({ size: 21, rows: [] }).viewBox).toBe('0 0 29 29');
  });

  it('ignores characters beyond the size and copes with short or missing rows', () => {
    const model = qrModel({ size: 3, rows: ['1111', '1'] });
    expect(model.modules).toEqual([
      { x: 4, y: 4 },
      { x: 5, y: 4 },
      { x: 6, y: 4 },
      { x: 4, y: 5 },
    ]);
    expect(qrModel({ size: 2, rows: ['00', '00'] }).path).toBe('');
  });
});

describe('authenticator texts', () => {
  it('says whether the app is on, with the recovery codes left', () => {
    expect(authenticatorStatusText({ enabled: false, recovery_codes_left: 0 })).toBe('Off');
    expect(authenticatorStatusText({ enabled: true, recovery_codes_left: 8 })).toBe('On — 8 recovery codes left');
    expect(authenticatorStatusText({ enabled: true, recovery_codes_left: 1 })).toBe('On — 1 recovery code left');
    expect(authenticatorStatusText({ enabled: true, recovery_codes_left: 0 })).toBe('On — 0 recovery codes left');
  });

  it('groups the secret in blocks of four', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('JBSWY3DPEHPK3PXPA')).toBe('JBSW Y3DP EHPK 3PXP A');
    expect(groupSecret('')).toBe('');
  });

  it('requires the code and the password before turning on, off or making new codes', () => {
    expect(validatePasswordAndCode({ password: '', code: '' })).toEqual({
      message: 'Enter the code and your password.',
      field: 'code',
      invalid: ['code', 'password'],
    });
    expect(validatePasswordAndCode({ password: 'pw', code: '  ' })?.invalid).toEqual(['code']);
    expect(validatePasswordAndCode({ password: '', code: '123456' })).toEqual({
      message: 'Enter your current password.',
      field: 'password',
      invalid: ['password'],
    });
    expect(validatePasswordAndCode({ password: 'pw', code: '123456' })).toBeNull();
  });

  it('sends codes without spaces', () => {
    expect(codeArg(' 123 456 ')).toBe('123456');
    expect(codeArg('abcde-fghij')).toBe('abcde-fghij');
  });
});

describe('recovery codes', () => {
  it('copies one code a line', () => {
    expect(recoveryCodesText(['aaaaa-bbbbb', 'ccccc-ddddd'])).toBe('aaaaa-bbbbb\nccccc-ddddd');
  });

  it('says whether copying worked, and where the file was saved', () => {
    expect(recoveryCopyFeedback(COPY_IDLE)).toBe('');
    const copied = copyLinkReducer(COPY_IDLE, { type: 'done', result: 'copied' });
    expect(recoveryCopyFeedback(copied)).toBe('Recovery codes copied.');
    const failed = copyLinkReducer(COPY_IDLE, { type: 'done', result: 'failed' });
    expect(failed.showField).toBe(true);
    expect(recoveryCopyFeedback(failed)).toBe("Couldn't copy the codes. They're selected below: copy them yourself.");
    expect(savedToText('/home/ann/Documents/codes.txt')).toBe(
      'Saved to /home/ann/Documents/codes.txt. Only you can open it on this computer.',
    );
    // A cancelled save dialog is the user's choice, said calmly.
    expect(savedToText(null)).toBe('Not saved: no file was chosen. The codes are still here to copy or save.');
  });
});

describe('linked providers', () => {
  it('lists each identity with a Remove label naming it', () => {
    expect(
      linkedProviderItems([
        { link_id: 'l1', provider_id: 'google', provider_name: 'Google', email: 'ann@example.com', linked_at: 1 },
        { link_id: 'l2', provider_id: 'acme-sso', provider_name: ' ', email: null, linked_at: 2 },
      ]),
    ).toEqual([
      {
        linkId: 'l1',
        providerName: 'Google',
        email: 'ann@example.com',
        name: 'Google (ann@example.com)',
        removeLabel: 'Remove Google (ann@example.com)',
      },
      { linkId: 'l2', providerName: 'acme-sso', email: null, name: 'acme-sso', removeLabel: 'Remove acme-sso' },
    ]);
  });

  it('offers every provider to add, once each, named by its display name', () => {
    const buttons = addProviderButtons([...providers, { id: 'google', kind: 'google', display_name: 'Google' }]);
    expect(buttons.map((b) => [b.id, b.label])).toEqual([
      ['google', 'Add Google'],
      ['microsoft', 'Add Microsoft'],
      ['acme-sso', 'Add Acme SSO'],
    ]);
    expect(addProviderButtons([{ id: 'okta', kind: 'oidc', display_name: '' }])[0]?.label).toBe('Add okta');
  });
});

describe('emails', () => {
  it('badges login and notification emails; only notification emails can be removed', () => {
    const items = emailItems([
      { email: 'ann@example.com', purpose: 'login', also_login_email_of: 0, confirmed: true },
      { email: 'team@example.com', purpose: 'login', also_login_email_of: 3, confirmed: true },
      { email: 'shared@example.com', purpose: 'login', also_login_email_of: 1, confirmed: true },
      { email: 'voicemail@example.com', purpose: 'notification', also_login_email_of: 2, confirmed: true },
    ]);
    expect(items.map((i) => [i.email, i.badge, i.removable])).toEqual([
      ['ann@example.com', 'Login', false],
      ['team@example.com', 'Login', false],
      ['shared@example.com', 'Login', false],
      ['voicemail@example.com', 'Notification only', true],
    ]);
    expect(items.map((i) => i.sharedNote)).toEqual([
      null,
      'Also signs in to 3 other accounts (a shared or group address)',
      'Also signs in to 1 other account (a shared or group address)',
      // Only login emails sign in anywhere.
      null,
    ]);
  });

  it('words the warnings', () => {
    expect(warningText({ kind: 'several_login_emails', count: 3 })).toBe(
      '3 emails can sign in to this account. If one is not yours, ask your office manager to remove it.',
    );
    expect(warningText({ kind: 'shared_login_email', email: 'team@example.com', other_accounts: 4 })).toBe(
      'team@example.com also signs in to 4 other accounts, so whoever reads it can choose this account too. Ask your office manager to give each person their own address, or to remove it from this account.',
    );
    expect(warningText({ kind: 'shared_login_email', email: 'a@b.c', other_accounts: 1 })).toBe(
      'a@b.c also signs in to 1 other account, so whoever reads it can choose this account too. Ask your office manager to give each person their own address, or to remove it from this account.',
    );
    // A kind added on the Rust side before this screen knows it is left out.
    const unknown = { kind: 'new_kind' } as unknown as Parameters<typeof warningText>[0];
    expect(warningTexts([unknown, { kind: 'several_login_emails', count: 2 }])).toEqual([
      '2 emails can sign in to this account. If one is not yours, ask your office manager to remove it.',
    ]);
  });

  it('marks a notification email waiting for its code', () => {
    const [login, waiting, confirmedOne] = emailItems([
      { email: 'ann@example.com', purpose: 'login', also_login_email_of: 0, confirmed: true },
      { email: 'new@example.com', purpose: 'notification', also_login_email_of: 0, confirmed: false },
      { email: 'vm@example.com', purpose: 'notification', also_login_email_of: 0, confirmed: true },
    ]);
    expect([login?.waiting, waiting?.waiting, confirmedOne?.waiting]).toEqual([false, true, false]);
    expect(waiting?.codeLabel).toBe('Code sent to new@example.com');
    expect(waiting?.removable).toBe(true);
  });

  it('checks the code mailed to a new address', () => {
    expect(validateEmailCode('123 456')).toBeNull();
    for (const bad of ['', '12345', '1234567', 'abcdef']) {
      expect(validateEmailCode(bad)).toBe('Enter the 6-digit code from the message we sent.');
    }
  });

  it('checks the email to add', () => {
    expect(validateNotificationEmail('  ')).toBe('Enter an email address.');
    for (const bad of ['ann', '@example.com', 'ann@', 'ann @example.com']) {
      expect(validateNotificationEmail(bad)).toBe('Enter a valid email address, like name@example.com.');
    }
    expect(validateNotificationEmail(' ann@example.com ')).toBeNull();
  });

  it('knows when an added email is listed', () => {
    const emails = [{ email: 'Voicemail@Example.com', purpose: 'notification' as const, also_login_email_of: 0, confirmed: true }];
    expect(emailListed(emails, 'voicemail@example.com ')).toBe(true);
    expect(emailListed(emails, 'other@example.com')).toBe(false);
  });
});

describe('methodLabel', () => {
  it('names password, provider and second-factor sign-ins', () => {
    expect(methodLabel('password', providers)).toBe('Password');
    expect(methodLabel('password+totp', providers)).toBe('Password and authenticator');
    expect(methodLabel('password+recovery_code', providers)).toBe('Password and a recovery code');
    expect(methodLabel('sso:google', providers)).toBe('Google');
    expect(methodLabel('sso:acme-sso', providers)).toBe('Acme SSO');
    expect(methodLabel('sso:acme-sso+totp', providers)).toBe('Acme SSO and authenticator');
    expect(methodLabel('sso:google+recovery_code', providers)).toBe('Google and a recovery code');
  });

  it('falls back to the raw names it does not know', () => {
    expect(methodLabel('sso:okta', [])).toBe('Okta');
    expect(methodLabel('passkey', providers)).toBe('Passkey');
    expect(methodLabel('password+webauthn', providers)).toBe('Password and webauthn');
    expect(methodLabel('', providers)).toBe('Unknown');
  });
});

describe('lastUsedText', () => {
  // 2025-03-10T12:00:00Z
  const now = Date.UTC(2025, 2, 10, 12, 0, 0);
  const nowSeconds = now / 1000;
  const iso = (date: Date) => date.toISOString().slice(0, 10);

  it('counts recent use in minutes, hours and days', () => {
    expect(lastUsedText(nowSeconds, now)).toBe('Last used just now');
    expect(lastUsedText(nowSeconds - 59, now)).toBe('Last used just now');
    expect(lastUsedText(nowSeconds - 60, now)).toBe('Last used 1 minute ago');
    expect(lastUsedText(nowSeconds - 45 * 60, now)).toBe('Last used 45 minutes ago');
    expect(lastUsedText(nowSeconds - 3600, now)).toBe('Last used 1 hour ago');
    expect(lastUsedText(nowSeconds - 23 * 3600, now)).toBe('Last used 23 hours ago');
    expect(lastUsedText(nowSeconds - 30 * 3600, now)).toBe('Last used yesterday');
    expect(lastUsedText(nowSeconds - 3 * 86400, now)).toBe('Last used 3 days ago');
  });

  it('says "just now" for a time slightly in the future (clock skew)', () => {
    expect(lastUsedText(nowSeconds + 120, now)).toBe('Last used just now');
  });

  it('gives the local date from a week on', () => {
    expect(lastUsedText(nowSeconds - 7 * 86400, now, iso)).toBe('Last used on 2025-03-03');
    expect(lastUsedText(Date.UTC(2024, 11, 24, 8) / 1000, now, iso)).toBe('Last used on 2024-12-24');
    // The default formatter is the locale's.
    const at = Date.UTC(2024, 11, 24, 8) / 1000;
    expect(lastUsedText(at, now)).toBe(
      `Last used on ${new Date(at * 1000).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })}`,
    );
  });
});

describe('sessionItems', () => {
  const now = Date.UTC(2025, 2, 10, 12, 0, 0);
  const session = (id: string, current: boolean, method: string, minutesAgo: number): SessionInfo => ({
    session_id: id,
    device_name: `Device ${id}`,
    auth_method: method,
    created_at: now / 1000 - 86400,
    last_used_at: now / 1000 - minutesAgo * 60,
    current,
    client: 'other',
    user_agent: null,
    signed_in_from: null,
    last_used_from: null,
  });
  const at = (date: Date) => `at ${date.toISOString()}`;

  it('puts this computer first and words the others', () => {
    const items = sessionItems(
      [session('s1', false, 'sso:google', 5), session('s2', true, 'password+totp', 0), session('s3', false, 'password', 120)],
      providers,
      now,
      undefined,
      at,
    );
    expect(items).toEqual([
      {
        sessionId: 's2',
        title: 'Device s2',
        deviceName: 'Device s2',
        method: 'Password and authenticator',
        signedIn: 'Signed in at 2025-03-09T12:00:00.000Z',
        lastUsed: null,
        when: 'Signed in at 2025-03-09T12:00:00.000Z',
        current: true,
        signOutLabel: 'Sign out Device s2',
      },
      {
        sessionId: 's1',
        title: 'Device s1',
        deviceName: 'Device s1',
        method: 'Google',
        signedIn: 'Signed in at 2025-03-09T12:00:00.000Z',
        lastUsed: 'last used 5 minutes ago',
        when: 'Signed in at 2025-03-09T12:00:00.000Z · last used 5 minutes ago',
        current: false,
        signOutLabel: 'Sign out Device s1',
      },
      {
        sessionId: 's3',
        title: 'Device s3',
        deviceName: 'Device s3',
        method: 'Password',
        signedIn: 'Signed in at 2025-03-09T12:00:00.000Z',
        lastUsed: 'last used 2 hours ago',
        when: 'Signed in at 2025-03-09T12:00:00.000Z · last used 2 hours ago',
        current: false,
        signOutLabel: 'Sign out Device s3',
      },
    ]);
  });

  it('tells two sessions on one computer apart by program, and says from where', () => {
    const [app, cli] = sessionItems(
      [
        {
          ...session('s1', true, 'password', 0),
          device_name: 'alice-laptop',
          client: 'app',
          user_agent: 'Switchboard-App/0.1.0',
          signed_in_from: '127.0.0.1',
          last_used_from: '127.0.0.1',
        },
        {
          ...session('s2', false, 'password', 5),
          device_name: 'alice-laptop',
          client: 'command_line',
          user_agent: 'Switchboard-CLI/0.1.0',
          signed_in_from: '127.0.0.1',
          last_used_from: '192.0.2.7',
        },
      ],
      [],
      now,
      undefined,
      at,
    );
    expect(app?.title).toBe('Switchboard app on alice-laptop');
    expect(app?.signedIn).toBe('Signed in at 2025-03-09T12:00:00.000Z from 127.0.0.1');
    expect(cli?.title).toBe('Command line on alice-laptop');
    expect(cli?.lastUsed).toBe('last used 5 minutes ago from 192.0.2.7');
    expect(cli?.when).toBe('Signed in at 2025-03-09T12:00:00.000Z from 127.0.0.1 · last used 5 minutes ago from 192.0.2.7');
    expect(cli?.signOutLabel).toBe('Sign out Command line on alice-laptop');
    // The sign-out question names the device as it was named.
    expect(cli?.deviceName).toBe('alice-laptop');
  });

  it('names a device without a name', () => {
    expect(sessionItems([{ ...session('s1', false, 'password', 1), device_name: ' ' }], [], now)[0]?.deviceName).toBe(
      'Unknown device',
    );
  });

  it('names another program by what it calls itself, cut short, and a session from before by its device', () => {
    expect(programLabel({ client: 'other', user_agent: ' curl/8.5.0 ' })).toBe('curl/8.5.0');
    expect(programLabel({ client: 'other', user_agent: null })).toBeNull();
    const long = programLabel({ client: 'other', user_agent: 'x'.repeat(100) });
    expect(long).toBe(`${'x'.repeat(MAX_PROGRAM_CHARS - 1)}…`);
    const [old] = sessionItems([{ ...session('s1', false, 'password', 1), device_name: 'Switchboard on vm' }], [], now);
    expect(old?.title).toBe('Switchboard on vm');
    expect(old?.signedIn).not.toContain('from');
  });

  it('writes when it signed in in the local way, with the year only when it is not this one', () => {
    const thisYear = localDateTime(new Date(2025, 10, 30, 14, 2), new Date(2025, 11, 1).getTime());
    expect(thisYear).toContain('30');
    expect(thisYear).not.toContain('2025');
    expect(localDateTime(new Date(2024, 10, 30, 14, 2), new Date(2025, 11, 1).getTime())).toContain('2024');
  });
});

describe("confirm it's you", () => {
  it('needs the password, and the code only when the authenticator app is on', () => {
    expect(validateConfirmIdentity({ password: '', code: '' }, false)).toEqual({
      message: 'Enter your current password.',
      field: 'password',
      invalid: ['password'],
    });
    expect(validateConfirmIdentity({ password: 'pw', code: '' }, false)).toBeNull();
    expect(validateConfirmIdentity({ password: 'pw', code: ' ' }, true)?.invalid).toEqual(['code']);
    expect(validateConfirmIdentity({ password: 'pw', code: '123456' }, true)).toBeNull();
  });

  it('says how many minutes the confirmation still holds, rounded up', () => {
    expect(confirmedText(300)).toBe("Confirmed it's you for 5 more minutes.");
    expect(confirmedText(61)).toBe("Confirmed it's you for 2 more minutes.");
    expect(confirmedText(5)).toBe("Confirmed it's you for 1 more minute.");
  });
});

describe('validateChangePassword', () => {
  const long = 'correct horse';

  it('asks for the new password twice, never the current one', () => {
    expect(validateChangePassword({ next: '', confirm: '' })).toEqual({
      message: 'Enter a new password, twice.',
      field: 'next',
      invalid: ['next', 'confirm'],
    });
    expect(validateChangePassword({ next: long, confirm: '' })).toEqual({
      message: 'Enter the new password again.',
      field: 'confirm',
      invalid: ['confirm'],
    });
    expect(validateChangePassword({ next: '', confirm: long })?.message).toBe('Enter a new password.');
  });

  it('asks for at least 10 characters, counted as characters', () => {
    expect(validateChangePassword({ next: 'short', confirm: 'short' })).toEqual({
      message: 'The new password must have at least 10 characters.',
      field: 'next',
      invalid: ['next'],
    });
    expect(validateChangePassword({ next: '123456789', confirm: '123456789' })?.field).toBe('next');
    // Nine emoji are 18 UTF-16 units but 9 characters.
    const emoji = '🔑'.repeat(9);
    expect(validateChangePassword({ next: emoji, confirm: emoji })?.field).toBe('next');
    expect(validateChangePassword({ next: '1234567890', confirm: '1234567890' })).toBeNull();
  });

  it('asks for the same new password twice', () => {
    expect(validateChangePassword({ next: long, confirm: `${long}!` })).toEqual({
      message: "The new passwords don't match.",
      field: 'confirm',
      invalid: ['next', 'confirm'],
    });
    expect(validateChangePassword({ next: long, confirm: long })).toBeNull();
  });
});

describe('keepPasswordAfter', () => {
  it('keeps the password when only the authenticator code was rejected', () => {
    expect(keepPasswordAfter('invalid_code')).toBe(true);
  });

  it('empties the form after a wrong password, another error, or success', () => {
    expect(keepPasswordAfter('invalid_credentials')).toBe(false);
    expect(keepPasswordAfter('too_many_attempts')).toBe(false);
    expect(keepPasswordAfter(null)).toBe(false);
    expect(keepPasswordAfter(undefined)).toBe(false);
  });
});
