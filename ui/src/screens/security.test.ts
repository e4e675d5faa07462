// First frames of the authenticator step and the security settings, rendered on the server.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import type { Pending, ViewOf } from '../lib/appView';
import { fakeBackend } from '../lib/fakeBackend';
import type { SecurityActions } from '../lib/security';
import { forgetSections, sectionMemory, type NoticePlace, type SectionKey } from '../lib/securitySections';
import {
  FIXED_NOW,
  authenticatorOn,
  confirmed,
  mfaView,
  securityView,
  settingUp,
  smallQr,
  withRecoveryCodes,
} from '../lib/securityFixtures';
import MfaScreen from './MfaScreen.svelte';
import ReadyScreen from './ReadyScreen.svelte';
import SecurityScreen from './SecurityScreen.svelte';
import SignInScreen from './SignInScreen.svelte';

const noop = () => {};
const actions: SecurityActions = {
  onClose: noop,
  onStartSetup: noop,
  onConfirmAuthenticator: noop,
  onDisableAuthenticator: noop,
  onRegenerateRecoveryCodes: noop,
  onSaveRecoveryCodes: () => Promise.resolve('/tmp/codes.txt'),
  onAddProvider: noop,
  onRemoveProvider: noop,
  onAddEmail: noop,
  onRemoveEmail: noop,
  onConfirmEmail: noop,
  onSignOutSession: noop,
  onChangePassword: noop,
  onConfirmIdentity: noop,
};

/** The screen with section `open` open (none by default) and the notice from `noticeIn`'s last action. */
function security(
  view: ViewOf<'security'>,
  pending: Pending | null = null,
  open: SectionKey | null = null,
  noticeIn: NoticePlace = null,
): string {
  sectionMemory.open = open;
  sectionMemory.noticeIn = noticeIn;
  try {
    return render(SecurityScreen, { props: { view, pending, clock: () => FIXED_NOW, ...actions } }).body;
  } finally {
    forgetSections();
  }
}

/** The markup of the element with `id` (up to its closing tag, for elements without nested ones of the same tag). */
function element(html: string, tag: string, id: string): string {
  const match = new RegExp(`<${tag}[^>]*id="${id}"[\\s\\S]*?</${tag}>`).exec(html);
  if (!match) throw new Error(`no <${tag} id="${id}">`);
  return match[0];
}

/** The `<li>` items of the list with `id`, as markup. */
function items(html: string, id: string): string[] {
  const list = element(html, 'ul', id);
  return [...list.matchAll(/<li[\s\S]*?<\/li>/g)].map((m) => m[0]);
}

describe('MfaScreen markup', () => {
  const body = (extra: Record<string, unknown> = {}) =>
    render(MfaScreen, { props: { view: mfaView, onSubmit: noop, onCancel: noop, ...extra } }).body;

  it('asks for the 6-digit code with a labelled numeric one-time-code field', () => {
    const html = body();
    expect(html).toMatch(/<main class="screen" id="mfa-screen" aria-labelledby="mfa-heading">/);
    expect(html).toMatch(/<h1 id="mfa-heading" tabindex="-1"[^>]*>Enter your authenticator code<\/h1>/);
    // The code field takes focus when the screen opens, in either mode (focusNewScreen).
    expect(html).toMatch(/<input id="mfa-code"[^>]*data-autofocus/);
    expect(body({ useRecoveryCode: true })).toMatch(/<input id="mfa-code"[^>]*data-autofocus/);
    expect(html).toMatch(/<label for="mfa-code"[^>]*>6-digit code<\/label>/);
    const input = /<input id="mfa-code"[^>]*>/.exec(html)?.[0] ?? '';
    expect(input).toContain('inputmode="numeric"');
    expect(input).toContain('autocomplete="one-time-code"');
    expect(input).toMatch(/maxlength="[67]"/);
    expect(html).toMatch(/<button id="mfa-submit" type="submit"[^>]*aria-disabled="false">(<!--[^>]*-->)*Continue<\/button>/);
    expect(html).toMatch(/<button id="mfa-cancel" type="button"[^>]*>Cancel<\/button>/);
    expect(html).toMatch(/<button id="use-recovery-code" type="button"[^>]*>Use a recovery code instead<\/button>/);
    expect(html).toMatch(/<p id="mfa-error"[^>]*role="alert"[^>]*><\/p>/);
    expect(html).not.toContain('view-notice');
  });

  it('asks for a recovery code in a plain text field, with the way back', () => {
    const html = body({ useRecoveryCode: true });
    expect(html).toMatch(/<label for="mfa-code"[^>]*>Recovery code<\/label>/);
    const input = /<input id="mfa-code"[^>]*>/.exec(html)?.[0] ?? '';
    expect(input).not.toContain('inputmode="numeric"');
    expect(input).toContain('placeholder="e.g. abcde-fghij"');
    expect(html).toMatch(/<button id="use-recovery-code"[^>]*>Use the authenticator code instead<\/button>/);
  });

  it('after too many wrong codes counts the wait down and holds Continue, Cancel still works', () => {
    const html = body({
      view: {
        ...mfaView,
        notice: {
          kind: 'error',
          message: 'Too many wrong attempts. Try again in 15 minutes.',
          code: 'too_many_attempts',
          retry_after_seconds: 900,
        },
      },
    });
    expect(html).toMatch(/<span id="wait-countdown" aria-hidden="true">Too many wrong attempts\. Try again in 1[45]:\d\d\.<\/span>/);
    expect(html).toMatch(/<button id="mfa-submit"[^>]* disabled[ >=]/);
    expect(html).not.toMatch(/<button id="mfa-cancel"[^>]* disabled[ >=]/);
  });

  it('shows the notice of a failed attempt and progress while checking', () => {
    const html = body({
      view: {
        ...mfaView,
        notice: { kind: 'error', message: 'Too many wrong attempts. Try again in 15 minutes.', code: 'too_many_attempts' },
      },
      submitting: true,
    });
    expect(html).toMatch(/<p id="view-notice"[^>]*role="alert"[^>]*data-code="too_many_attempts"[^>]*>\s*Too many wrong attempts/);
    expect(html).toMatch(/<button id="mfa-submit"[^>]*aria-disabled="true"><!--\[0--><span class="spinner/);
    expect(html).toMatch(/<button id="mfa-cancel"[^>]*aria-disabled="true"/);
    expect(html).toMatch(/<p id="mfa-progress"[^>]*role="status"[^>]*>Checking the code…<\/p>/);
  });
});

describe('SignInScreen password sign-in', () => {
  const props = { backend: fakeBackend(), onStartSignIn: noop, onPasswordSignIn: noop };

  it('shows progress on the password form and marks every sign-in busy while signing in', () => {
    const html = render(SignInScreen, { props: { ...props, signingIn: true } }).body;
    expect(html).toMatch(/<button id="password-sign-in"[^>]*aria-disabled="true"><!--\[0--><span class="spinner/);
    expect(html).toMatch(/<button[^>]*data-provider="google"[^>]*aria-disabled="true"/);
    expect(html).toMatch(/id="sign-in-progress"[^>]*>[\s\S]*?Signing you in…/);
    expect(html).not.toContain('not available in this version');
  });
});

describe('ReadyScreen security settings button', () => {
  const ready: ViewOf<'ready'> = {
    screen: 'ready',
    account: securityView.account,
    phone: {
      extension: '201',
      display_name: 'Ann Example',
      sip_domain: 'sip.example.com',
      registrar: 'sip:sip.example.com',
      transport: 'tls',
    },
    notice: null,
    signed_in: [securityView.account],
    reaches_accounts: 1,
  };
  const callbacks = {
    onSignOut: noop,
    onSignOutAll: noop,
    onSwitch: noop,
    onAddAccount: noop,
    onUseDifferentAccount: noop,
    onOpenSecurity: noop,
    onDial: () => Promise.resolve(),
  };

  it('offers "Security settings", busy with progress while opening', () => {
    const idle = render(ReadyScreen, { props: { view: ready, ...callbacks } }).body;
    expect(idle).toMatch(/<button id="open-security" type="button"[^>]*aria-disabled="false"[^>]*>[\s\S]*?Security settings\s*<\/button>/);
    expect(idle).not.toMatch(/<button id="open-security"[^>]*>[\s\S]*?class="spinner[\s\S]*?<\/button>/);
    const opening = render(ReadyScreen, { props: { view: ready, pending: { action: 'open_security' }, ...callbacks } }).body;
    expect(opening).toMatch(/<button id="open-security"[^>]*aria-disabled="true"[^>]*><!--\[0--><span class="spinner/);
  });
});

describe('SecurityScreen layout', () => {
  it('has the heading, Back at the top and the sections in order, all closed at first', () => {
    const html = security({ ...securityView, overview: { ...securityView.overview, warnings: [] } });
    expect(html).toMatch(/<main class="screen" id="security-screen">/);
    expect(html).toMatch(/<h1 tabindex="-1"[^>]*>Security settings<\/h1>/);
    expect(html).toMatch(/<button id="close-security" type="button"[^>]*aria-disabled="false"[^>]*>[\s\S]*?Back<\/button>/);
    expect(html.indexOf('id="close-security"')).toBeLessThan(html.indexOf('<h1'));
    const order = ['providers', 'authenticator', 'password', 'emails', 'sessions'];
    const positions = order.map((id) => html.search(new RegExp(`<section id="${id}-section"`)));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // Each section is named by its heading, a button that opens it (closed: no content, no password field).
    for (const [id, heading] of [
      ['providers', 'Linked sign-ins'],
      ['authenticator', 'Authenticator app'],
      ['password', 'Password'],
      ['emails', 'Emails'],
      ['sessions', "Where you're signed in"],
    ]) {
      expect(html).toMatch(
        new RegExp(
          `<section id="${id}-section"[^>]*aria-labelledby="${id}-toggle"><h2[^>]*><button id="${id}-toggle" type="button" class="disclosure-toggle[^"]*" aria-expanded="false" aria-controls="${id}-panel"><span class="title[^"]*">${heading}</span>`,
        ),
      );
      expect(html).toMatch(new RegExp(`<div id="${id}-panel" class="disclosure-panel[^"]*" hidden(="")?>(<!--[^>]*-->)*</div>`));
    }
    expect(html).not.toContain('type="password"');
  });

  it('says in each closed heading what is inside, the email warnings in red', () => {
    const html = security(securityView);
    const summary = (id: string) => new RegExp(`id="${id}-toggle"[\\s\\S]*?<span class="summary([^"]*)"[^>]*>([^<]*)</span>`).exec(html);
    expect(summary('providers')?.[2]).toBe('Google');
    expect(summary('authenticator')?.[2]).toBe('Off');
    expect(summary('emails')?.[2]).toBe('2 warnings');
    expect(summary('emails')?.[1]).toContain('warn');
    expect(summary('sessions')?.[2]).toBe('3 sessions');
  });

  it('opens Emails at first when it has warnings, so they are not hidden', () => {
    const html = security(securityView);
    expect(element(html, 'button', 'emails-toggle')).toContain('aria-expanded="true"');
    expect(html).toContain('id="email-warnings"');
  });

  it('opens one section at a time: its content shows, the others stay closed', () => {
    const html = security(securityView, null, 'emails');
    expect(element(html, 'button', 'emails-toggle')).toContain('aria-expanded="true"');
    for (const id of ['providers', 'authenticator', 'password', 'sessions']) {
      expect(element(html, 'button', `${id}-toggle`)).toContain('aria-expanded="false"');
    }
    expect(html).toContain('id="emails"');
    expect(html).not.toContain('id="sessions"');
    expect(html).not.toContain('id="linked-providers"');
  });

  it('shows the notice under the heading when no section it came from is open', () => {
    const html = security({ ...securityView, notice: { kind: 'info', message: 'Google was removed.', code: null } });
    expect(html).toMatch(/<p id="view-notice"[^>]*role="status"[^>]*>\s*Google was removed\./);
    expect(html.indexOf('<h1')).toBeLessThan(html.indexOf('id="view-notice"'));
    expect(html.indexOf('id="view-notice"')).toBeLessThan(html.indexOf('id="providers-section"'));
    expect(security(securityView)).not.toContain('view-notice');
  });

  it("shows an action's answer inside the section it came from, once", () => {
    const view = { ...securityView, notice: { kind: 'error' as const, message: 'That did not work.', code: 'invalid_request' as const } };
    const html = security(view, null, 'sessions', 'sessions');
    expect(html.match(/id="view-notice"/g)).toHaveLength(1);
    const panel = html.slice(html.indexOf('id="sessions-panel"'));
    expect(panel).toMatch(/^[^]*?<p id="view-notice"[^>]*role="alert"[^>]*>\s*That did not work\./);
    expect(html.indexOf('id="sessions-panel"')).toBeLessThan(html.indexOf('id="view-notice"'));
  });

  it("does not move a section's answer to the top once the user opened another section", () => {
    const view = { ...securityView, notice: { kind: 'info' as const, message: 'Signed out Work laptop.', code: null } };
    expect(security(view, null, 'password', 'hidden')).not.toContain('view-notice');
  });

  it('marks every action busy while one runs, with progress on its own button', () => {
    const html = security(confirmed, { action: 'sign_out_session', sessionId: 's3' }, 'sessions');
    expect(html).not.toMatch(/aria-disabled="false"/);
    expect(element(html, 'button', 'close-security')).toContain('aria-disabled="true"');
    const signOut = (id: string) => new RegExp(`<button[^>]*data-sign-out-session="${id}"[\\s\\S]*?</button>`).exec(html)?.[0];
    expect(signOut('s3')).toContain('class="spinner');
    expect(signOut('s1')).not.toContain('class="spinner');
    expect(security(confirmed, null, 'sessions')).not.toMatch(/aria-disabled="true"/);
  });
});

describe('SecurityScreen authenticator section', () => {
  it('when off: says so and offers the set-up, which needs no confirmation', () => {
    const html = security(securityView, null, 'authenticator');
    expect(html).toMatch(/<p id="authenticator-status"[^>]*>Off<\/p>/);
    expect(html).toMatch(/<button id="start-authenticator-setup" type="button"[^>]*>(<!--[^>]*-->)*Set up authenticator app\s*<\/button>/);
    expect(html).not.toContain('authenticator-qr');
    expect(html).not.toContain('confirm-identity-form');
    expect(html).not.toContain('id="disable-authenticator"');
  });

  it('while setting up: the QR code, the secret, then confirm it is you and the code', () => {
    const html = security(settingUp, null, 'authenticator');
    expect(html).not.toContain('id="start-authenticator-setup"');
    const svg = element(html, 'svg', 'authenticator-qr');
    expect(svg).toContain('role="img"');
    expect(svg).toContain('aria-label="QR code for your authenticator app"');
    expect(svg).toContain('shape-rendering="crispEdges"');
    expect(svg).toContain('viewBox="0 0 15 15"'); // 7 modules + 4 on each side
    expect(svg).toContain('width="200"');
    expect(svg).toContain(
      'data-otpauth-uri="otpauth://totp/Switchboard:ann?secret=JBSWY3DPEHPK3PXP&amp;issuer=Switchboard"',
    );
    // Black on white whatever the theme.
    expect(svg).toMatch(/<rect width="15" height="15" fill="#ffffff"/);
    expect(svg).toMatch(/<path d="[^"]*" fill="#000000"/);
    const dark = smallQr.rows.join('').split('').filter((c) => c === '1').length;
    expect(svg.match(/h1v1h-1z/g)).toHaveLength(dark);
    expect(html).toMatch(/<code id="authenticator-secret" data-secret="JBSWY3DPEHPK3PXP"[^>]*>JBSW Y3DP EHPK 3PXP<\/code>/);
    // Not confirmed: the step-up stands where the code goes.
    expect(html).toContain('id="confirm-identity-form"');
    expect(html).not.toContain('id="setup-code"');
    const ready = security({ ...settingUp, overview: { ...settingUp.overview, confirmed_for_seconds: 200 } }, null, 'authenticator');
    expect(ready).toMatch(/<label for="setup-code">[^<]+<\/label> <input id="setup-code"[^>]*inputmode="numeric"[^>]*autocomplete="one-time-code"/);
    expect(ready).not.toContain('setup-password');
    expect(ready).toMatch(/<button id="confirm-authenticator" type="submit"[^>]*>(<!--[^>]*-->)*Turn on<\/button>/);
  });

  it('when on: the recovery codes left; new ones or turning it off once confirmed, no password field', () => {
    const html = security(authenticatorOn, null, 'authenticator');
    expect(html).toMatch(/<p id="authenticator-status"[^>]*>On — 10 recovery codes left<\/p>/);
    expect(html).toContain('id="confirm-identity-form"');
    expect(html).not.toContain('id="disable-authenticator"');
    const on = security({ ...authenticatorOn, overview: { ...authenticatorOn.overview, confirmed_for_seconds: 200 } }, null, 'authenticator');
    expect(on).not.toContain('type="password"');
    expect(on).toMatch(/<button id="regenerate-recovery-codes" type="button"[^>]*>(<!--[^>]*-->)*New recovery codes<\/button>/);
    expect(on).toMatch(/<button id="disable-authenticator" type="button"[^>]*>(<!--[^>]*-->)*Turn off<\/button>/);
    expect(on).not.toContain('id="start-authenticator-setup"');
    expect(on).not.toContain('authenticator-qr');
  });

  it('shows the recovery codes only when they were just made', () => {
    for (const view of [securityView, settingUp, authenticatorOn]) {
      expect(security(view, null, 'authenticator')).not.toContain('id="recovery-codes"');
    }
    const html = security(withRecoveryCodes, null, 'authenticator');
    const box = element(html, 'section', 'recovery-codes');
    expect([...box.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1])).toEqual(withRecoveryCodes.recovery_codes);
    expect(box).toContain('Each code works once');
    expect(box).toContain('shown only now');
    expect(box).toMatch(/<button id="copy-recovery-codes" type="button"[^>]*>Copy codes<\/button>/);
    expect(box).toMatch(/<button id="save-recovery-codes" type="button"[^>]*aria-expanded="false"[^>]*>Save to a file…<\/button>/);
    // The warning that the file holds secrets comes with the click, before the save dialog.
    expect(box).not.toContain('id="save-codes-warning"');
    expect(box).toMatch(/<p id="recovery-codes-feedback"[^>]*role="status"[^>]*><\/p>/);
    // Inside the authenticator section, after its status.
    expect(html.indexOf('id="authenticator-status"')).toBeLessThan(html.indexOf('id="recovery-codes"'));
    expect(html.indexOf('id="recovery-codes"')).toBeLessThan(html.indexOf('id="password-section"'));
  });
});

describe('SecurityScreen linked providers', () => {
  it('lists each linked identity with its own Remove button', () => {
    const html = security(securityView, null, 'providers');
    const linked = items(html, 'linked-providers');
    expect(linked).toHaveLength(2);
    expect(linked[0]).toContain('Google');
    expect(linked[0]).toContain('ann@example.com');
    expect(linked[0]).toMatch(/<button data-remove-link="l1" aria-label="Remove Google \(ann@example.com\)" type="button"[^>]*>(<!--[^>]*-->)*Remove<\/button>/);
    expect(linked[1]).toContain('ann.private@example.org');
    expect(linked[1]).toContain('data-remove-link="l2"');
  });

  it('asks to confirm it is you before adding, then offers every provider, linked ones included', () => {
    const unconfirmed = security(securityView, null, 'providers');
    expect(unconfirmed).not.toContain('data-add-provider');
    expect(element(unconfirmed, 'div', 'confirm-section')).toContain('To add or remove a sign-in');
    const html = security(confirmed, null, 'providers');
    expect(html).not.toContain('type="password"');
    const adds = [...html.matchAll(/<button[^>]*data-add-provider="([^"]+)"[^>]*>[\s\S]*?<\/button>/g)];
    expect(adds.map((m) => m[1])).toEqual(['google', 'microsoft', 'acme-sso']);
    expect(adds.map((m) => /(Add [^<]+)<\/button>/.exec(m[0])?.[1])).toEqual(['Add Google', 'Add Microsoft', 'Add Acme SSO']);
    expect(html).toContain('You can add it again at any time.');
  });

  it('shows progress on the provider being added, only there', () => {
    const html = security(confirmed, { action: 'add_linked_provider', providerId: 'microsoft' }, 'providers');
    const add = (id: string) => new RegExp(`<button[^>]*data-add-provider="${id}"[\\s\\S]*?</button>`).exec(html)?.[0];
    expect(add('microsoft')).toMatch(/aria-disabled="true"[\s\S]*class="spinner/);
    expect(add('google')).not.toContain('class="spinner');
  });

  it('says when nothing is linked', () => {
    const html = security({ ...securityView, overview: { ...securityView.overview, linked_providers: [] } }, null, 'providers');
    expect(items(html, 'linked-providers')).toEqual([]);
    expect(html).toContain('No provider is linked');
  });
});

describe('SecurityScreen emails', () => {
  const html = security(securityView, null, 'emails');

  it('badges each email, warns about shared ones, and lets notification emails be removed', () => {
    const emails = items(html, 'emails');
    expect(emails.map((li) => /data-email="([^"]+)"/.exec(li)?.[1])).toEqual([
      'ann@example.com',
      'team@example.com',
      'voicemail@example.com',
    ]);
    expect(emails.map((li) => /class="badge"[^>]*>([^<]+)</.exec(li)?.[1])).toEqual([
      'Login',
      'Login',
      'Notification only',
    ]);
    expect(emails[0]).not.toContain('Also signs in');
    expect(emails[1]).toContain('Also signs in to 2 other accounts (a shared or group address)');
    expect(emails[0]).not.toContain('<button');
    expect(emails[1]).not.toContain('<button');
    expect(emails[2]).toMatch(/<button type="button"[^>]*data-remove-email="voicemail@example.com"[^>]*>(<!--[^>]*-->)*Remove<\/button>/);
  });

  it('lists the warnings above the emails', () => {
    const warnings = items(html, 'email-warnings').map((li) => /<span>([^<]+)<\/span>/.exec(li)?.[1]);
    expect(warnings).toEqual([
      '2 emails can sign in to this account. If one is not yours, ask your office manager to remove it.',
      'team@example.com also signs in to 2 other accounts, so whoever reads it can choose this account too. Ask your office manager to give each person their own address, or to remove it from this account.',
    ]);
    expect(html.indexOf('id="email-warnings"')).toBeLessThan(html.indexOf('id="emails"'));
    const calm = security({ ...securityView, overview: { ...securityView.overview, warnings: [] } }, null, 'emails');
    expect(calm).not.toContain('email-warnings');
  });

  it('has the form to add a notification email once confirmed, with what they are for', () => {
    expect(html).not.toContain('id="new-notification-email"');
    expect(element(html, 'div', 'confirm-section')).toContain('To add a notification email');
    const ready = security(confirmed, null, 'emails');
    expect(ready).toMatch(/<label for="new-notification-email">[^<]+<\/label>/);
    expect(ready).toMatch(/<input id="new-notification-email" type="email"/);
    expect(ready).toMatch(/<button id="add-notification-email" type="submit"[^>]*>(<!--[^>]*-->)*Add<\/button>/);
    expect(ready).toContain("Notification emails receive copies, such as voicemail. They can't be used to sign in.");
  });
});

describe('SecurityScreen sessions', () => {
  it('marks this computer without a button, and offers "Sign out" for the others', () => {
    const sessions = items(security(securityView, null, 'sessions'), 'sessions');
    expect(sessions.map((li) => /data-session-id="([^"]+)"/.exec(li)?.[1])).toEqual(['s2', 's1', 's3']);
    expect(sessions[0]).toContain('This computer');
    expect(sessions[0]).not.toContain('<button');
    expect(sessions[0]).toContain('Switchboard app on This PC');
    expect(sessions[0]).toMatch(/Signed in [^<]+ from 127\.0\.0\.1/);
    expect(sessions[0]).not.toContain('last used');
    expect(sessions[1]).toContain('Switchboard app on Work laptop');
    expect(sessions[1]).toContain('Acme SSO and authenticator');
    expect(sessions[1]).toMatch(/Signed in [^<]+ from 198\.51\.100\.7/);
    expect(sessions[1]).toMatch(
      /<span class="settings-item-meta when">Signed in [^<]+ from 198\.51\.100\.7 · last used 10 minutes ago from 203\.0\.113\.9<\/span>/,
    );
    expect(sessions[1]).not.toContain('This computer');
    expect(sessions[1]).toMatch(
      /<button data-sign-out-session="s1" aria-label="Sign out Switchboard app on Work laptop" type="button"[^>]*>(<!--[^>]*-->)*Sign out<\/button>/,
    );
    expect(sessions[2]).toContain('Command line on Phone');
    expect(sessions[2]).toContain('Password and a recovery code');
    expect(sessions[2]).toContain('last used 3 days ago');
    expect(sessions[2]).not.toContain('last used 3 days ago from');
    expect(sessions[2]).toContain('data-sign-out-session="s3"');
  });
});

describe('SecurityScreen emails waiting for confirmation', () => {
  it('badges a waiting address and asks for its code in a labelled field', () => {
    const waiting = {
      ...securityView,
      overview: {
        ...securityView.overview,
        emails: [
          ...securityView.overview.emails,
          { email: 'new@example.com', purpose: 'notification' as const, also_login_email_of: 0, confirmed: false },
        ],
      },
    };
    const html = security(waiting, null, 'emails');
    const entries = items(html, 'emails');
    const entry = entries.find((li) => li.includes('data-email="new@example.com"')) ?? '';
    expect(entry).toContain('Waiting for confirmation');
    expect(entry).toMatch(/<label[^>]*for="email-code-new@example.com"[^>]*>Code sent to new@example.com<\/label>/);
    expect(entry).toMatch(/<input id="email-code-new@example.com"[^>]*autocomplete="one-time-code"/);
    expect(entry).toMatch(/<button type="submit"[^>]*data-confirm-email="new@example.com"/);
    const confirmedEntry = entries.find((li) => li.includes('data-email="voicemail@example.com"')) ?? '';
    expect(confirmedEntry).not.toContain('Waiting for confirmation');
    expect(confirmedEntry).not.toContain('email-code-');
  });
});

describe("SecurityScreen confirm it's you", () => {
  it('asks for the current password in the open section, saying why and that it holds five minutes', () => {
    const html = security(securityView, null, 'sessions');
    const form = element(html, 'form', 'confirm-identity-form');
    expect(form).toMatch(/<label for="confirm-password">Current password<\/label> <input id="confirm-password" type="password" autocomplete="current-password"/);
    expect(form).not.toContain('confirm-code');
    expect(form).toMatch(/<p id="confirm-identity-error"[^>]*role="alert"/);
    expect(form).toMatch(/<button id="confirm-identity" type="submit"[^>]*>(<!--[^>]*-->)*Confirm<\/button>/);
    const block = element(html, 'div', 'confirm-section');
    expect(block).toContain('To sign out another session');
    expect(block).toContain('five minutes, in every section');
    // Exactly one password field on the page.
    expect(html.match(/type="password"/g)).toHaveLength(1);
    expect(html.indexOf('id="sessions-panel"')).toBeLessThan(html.indexOf('id="confirm-section"'));
  });

  it('asks for the authenticator code too when the app is on', () => {
    const form = element(security(authenticatorOn, null, 'password'), 'form', 'confirm-identity-form');
    expect(form).toMatch(/<label for="confirm-code">[^<]+<\/label> <input id="confirm-code" type="text" inputmode="numeric" autocomplete="one-time-code"/);
  });

  it('while a confirmation holds: says for how long in every section, and asks nothing', () => {
    for (const key of ['providers', 'password', 'emails', 'sessions'] as const) {
      const html = security(confirmed, null, key);
      expect(html).not.toContain('confirm-identity-form');
      expect(html).not.toContain('id="current-password"');
      expect(html).toMatch(/<p id="confirmed-status"[^>]*role="status"[^>]*>[\s\S]*?Confirmed it's you for 4 more minutes\.<\/span><\/p>/);
    }
  });

  it('shows progress on Confirm while confirming', () => {
    const html = security(securityView, { action: 'confirm_identity' }, 'password');
    expect(element(html, 'button', 'confirm-identity')).toContain('class="spinner');
  });
});

describe('SecurityScreen change password', () => {
  it('asks to confirm it is you first, then only for the new password', () => {
    const unconfirmed = security(authenticatorOn, null, 'password');
    expect(unconfirmed).not.toContain('change-password-form');
    expect(element(unconfirmed, 'div', 'confirm-section')).toContain('To change your password');
    const form = element(security(confirmed, null, 'password'), 'form', 'change-password-form');
    expect(form).not.toContain('current-password');
    expect(form).not.toContain('change-password-code');
    expect(form).toMatch(/<label for="new-password">New password<\/label> <input id="new-password" type="password" autocomplete="new-password"/);
    expect(form).toMatch(/<label for="confirm-new-password">[^<]+<\/label> <input id="confirm-new-password" type="password" autocomplete="new-password"/);
    expect(form).toContain('At least 10 characters.');
    expect(form).toMatch(/<p id="change-password-error"[^>]*role="alert"[^>]*><\/p>/);
    expect(form).toMatch(/<button id="change-password" type="submit"[^>]*>(<!--[^>]*-->)*Change password<\/button>/);
  });
});
