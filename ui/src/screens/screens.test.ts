// First frames of the screens other than sign-in, rendered on the server (no DOM needed).
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import App from '../App.svelte';
import type { Pending, ViewOf } from '../lib/appView';
import { fakeBackend } from '../lib/fakeBackend';
import ChooseAccountScreen from './ChooseAccountScreen.svelte';
import LinkAccountScreen from './LinkAccountScreen.svelte';
import ReadyScreen from './ReadyScreen.svelte';
import RestoringScreen from './RestoringScreen.svelte';
import StepNotSupportedScreen from './StepNotSupportedScreen.svelte';
import WaitingScreen from './WaitingScreen.svelte';

const noop = () => {};
const readyCallbacks = {
  onSignOut: noop,
  onSignOutAll: noop,
  onSwitch: noop,
  onAddAccount: noop,
  onUseDifferentAccount: noop,
  onOpenSecurity: noop,
  onDial: () => Promise.resolve(),
};

const ready: ViewOf<'ready'> = {
  screen: 'ready',
  account: {
    account_id: 'a1',
    username: 'ann',
    display_name: 'Ann Example',
    extension: '201',
    organization_name: 'Acme',
  },
  phone: {
    extension: '201',
    display_name: 'Ann Example',
    sip_domain: 'sip.example.com',
    registrar: 'sip:sip.example.com',
    transport: 'tls',
  },
  notice: null,
  signed_in: [
    {
      account_id: 'a1',
      username: 'ann',
      display_name: 'Ann Example',
      extension: '201',
      organization_name: 'Acme',
    },
  ],
  reaches_accounts: 1,
};

describe('App', () => {
  it('starts on the restoring screen', () => {
    const { body } = render(App, { props: { backend: fakeBackend() } });
    expect(body).toMatch(/data-screen="restoring"/);
    expect(body).toContain('id="restoring"');
  });
});

describe('RestoringScreen markup', () => {
  it('shows a spinner and "Signing you in…" as a status', () => {
    const { body } = render(RestoringScreen);
    expect(body).toMatch(/<div id="restoring"[^>]*role="status"/);
    expect(body).toMatch(/<h1 tabindex="-1"[^>]*>Signing you in…<\/h1>/);
    expect(body).toMatch(/class="spinner[^"]*" aria-hidden="true"/);
  });
});

describe('WaitingScreen markup', () => {
  const view: ViewOf<'waiting_for_browser'> = {
    screen: 'waiting_for_browser',
    provider_name: 'Google',
    authorize_url: 'https://portal.example.com/v1/authorize?provider=google&state=abc',
    browser_opened: true,
  };
  const { body } = render(WaitingScreen, { props: { view, onCancel: noop } });

  it('says what is happening, with progress', () => {
    expect(body).toMatch(/<main[^>]*id="waiting-screen"/);
    expect(body).toMatch(/<h1 tabindex="-1"[^>]*>Continue in your browser<\/h1>/);
    expect(body).toContain(
      "Sign in with Google in the browser window that opened. This window updates when you're done.",
    );
    expect(body).toMatch(/id="waiting-progress"[^>]*role="status"[\s\S]*?class="spinner/);
  });

  it('offers Cancel and "Copy sign-in link", with a live region for the feedback', () => {
    expect(body).toMatch(/<button id="cancel-sign-in" type="button"[^>]*aria-disabled="false"[^>]*>Cancel<\/button>/);
    expect(body).toMatch(/<button id="copy-sign-in-link" type="button"[^>]*>Copy sign-in link<\/button>/);
    expect(body).toMatch(/<p id="copy-feedback"[^>]*role="status"[^>]*data-state="idle"/);
    // The field only appears when copying failed.
    expect(body).not.toContain('id="sign-in-link"');
  });

  it('marks Cancel busy while cancelling', () => {
    const busy = render(WaitingScreen, { props: { view, cancelling: true, onCancel: noop } }).body;
    expect(busy).toMatch(/<button id="cancel-sign-in"[^>]*aria-disabled="true"/);
  });

  it('leaves focus to the heading when the browser opened', () => {
    expect(body).not.toContain('data-autofocus');
  });

  it('without a browser: says so first and puts "Copy sign-in link" first, taking focus', () => {
    const none = render(WaitingScreen, { props: { view: { ...view, browser_opened: false }, onCancel: noop } }).body;
    expect(none).toContain('No browser could be opened on this computer. Copy the sign-in link and open it in a browser.');
    expect(none).not.toContain('in the browser window that opened');
    expect(none).not.toContain("Browser didn't open?");
    expect(none).toMatch(/<button id="copy-sign-in-link" type="button" class="primary" data-autofocus=""/);
    // The link comes before Cancel, right under what happened.
    expect(none.indexOf('id="copy-sign-in-link"')).toBeLessThan(none.indexOf('id="cancel-sign-in"'));
  });
});

describe('ReadyScreen markup', () => {
  const { body } = render(ReadyScreen, { props: { view: ready, ...readyCallbacks } });

  it('shows who is signed in and the phone', () => {
    expect(body).toMatch(/<main[^>]*id="ready-screen"/);
    expect(body).toMatch(/<h1 id="ready-name" tabindex="-1"[^>]*>Ann Example<\/h1>/);
    expect(body).toMatch(/id="ready-extension"[^>]*>Extension 201</);
    expect(body).toMatch(/id="ready-server"[^>]*>sip.example.com</);
    expect(body).toMatch(/id="ready-transport"[^>]*>TLS</);
    expect(body).toMatch(/id="ready-organization"[^>]*>Acme</);
    // Before the first line state arrives, the line is connecting.
    expect(body).toMatch(/id="ready-line"[^>]*data-line-state="unknown"/);
    expect(body).toMatch(/<button id="sign-out" type="button"[^>]*>(<!--[^>]*-->)*Sign out<\/button>/);
    expect(body).not.toContain('view-notice');
  });

  it("shows each line's state: the current one in full, the others in the switcher", () => {
    const maria = { account_id: 'a2', username: 'maria', display_name: 'Maria', extension: '210', organization_name: 'Acme' };
    const lines = [
      {
        account_id: ready.account.account_id,
        display_name: 'Ann Example',
        extension: '201',
        status: { state: 'registered' as const, until: 1_800_000_000, takes_calls: true },
        message: 'Calls to this line ring here.',
      },
      {
        account_id: 'a2',
        display_name: 'Maria',
        extension: '210',
        status: { state: 'unreachable' as const, next_try_at: 1_800_000_000, reason: 'no answer' },
        message: "Can't reach the phone system (no answer). Trying again by itself.",
      },
    ];
    const withLines = render(ReadyScreen, {
      props: { view: { ...ready, signed_in: [ready.account, maria] }, lines, ...readyCallbacks },
    }).body;
    expect(withLines).toMatch(/id="ready-line"[^>]*data-line-state="registered"/);
    expect(withLines).toMatch(/id="ready-status"[^>]*>[\s\S]*Registered/);
    expect(withLines).toMatch(/Until [^,]+, renewed automatically. Calls to this line ring here./);
    expect(withLines).toMatch(/data-line-of="a2"[^>]*data-line-state="unreachable"[^>]*>Phone system unreachable</);
  });

  it('shows its notice', () => {
    const withNotice = render(ReadyScreen, {
      props: {
        view: { ...ready, notice: { kind: 'error', message: "Couldn't sign out.", code: 'portal_unreachable' } },
        ...readyCallbacks,
      },
    }).body;
    expect(withNotice).toMatch(/<p id="view-notice"[^>]*role="alert"[^>]*data-kind="error"[^>]*>\s*Couldn't sign out./);
  });
});

describe('ReadyScreen account switcher', () => {
  const maria = {
    account_id: 'a2',
    username: 'maria',
    display_name: 'Maria Manager',
    extension: '210',
    organization_name: 'Acme',
  };
  const bob = { ...maria, account_id: 'a3', username: 'bob', display_name: 'Bob Builder', extension: '230' };
  const three: ViewOf<'ready'> = { ...ready, signed_in: [ready.account, maria, bob] };

  it('offers "add another account", but no switch, with one account', () => {
    expect(body(ready)).toMatch(/<section id="account-switcher"[^>]*aria-label="Accounts"/);
    // Its sign-in reached this account only: nothing different to choose.
    expect(body(ready)).not.toContain('use-different-account');
    expect(body(ready)).toMatch(/<button id="add-account" type="button"[^>]*>Add another account<\/button>/);
    expect(body(ready)).not.toContain('data-switch-to');
    expect(body(ready)).not.toContain('id="sign-out-all"');
    expect(body(ready)).toMatch(/<button id="sign-out"[^>]*>(<!--[^>]*-->)*Sign out<\/button>/);
  });

  it('offers "use a different account", saying what it does, when the sign-in reached several accounts', () => {
    const html = body({ ...ready, reaches_accounts: 2 });
    expect(html).toMatch(
      /<button id="use-different-account" type="button"[^>]*aria-describedby="use-different-account-help"[^>]*>Use a different account<\/button>/,
    );
    expect(html).toMatch(/<p id="use-different-account-help"[^>]*>The sign-in you used reaches 2 accounts: use another of them here instead of /);
  });

  it('lists every account as a list, the current one marked, the others as switch buttons', () => {
    const html = body(three);
    expect(html).toMatch(/<ul id="account-list"[^>]*aria-labelledby="accounts-heading"/);
    const rows = [...html.matchAll(/<li[^>]*data-account="([^"]+)"/g)].map((m) => m[1]);
    expect(rows).toEqual(['a1', 'a2', 'a3']);
    const targets = [...html.matchAll(/data-switch-to="([^"]+)"/g)].map((m) => m[1]);
    expect(targets).toEqual(['a2', 'a3']);
    const text = (markup: string) => markup.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
    expect(text(switchButton(html, 'a2'))).toContain('Switch to Maria Manager 210');
    expect(text(switchButton(html, 'a3'))).toContain('Switch to Bob Builder 230');
    expect(html).toMatch(/<div class="row-body[^"]*" aria-current="true">[\s\S]*?Ann Example[\s\S]*?In use/);
    // The rows are a list, not fields (the dial field above them is the screen's one input).
    const switcher = html.slice(html.indexOf('<section id="account-switcher"'));
    expect(switcher.slice(0, switcher.indexOf('</section>'))).not.toContain('<input');
  });

  it('keeps the rows in their order when another account is current', () => {
    const html = body({ ...three, account: maria });
    const rows = [...html.matchAll(/<li[^>]*data-account="([^"]+)"/g)].map((m) => m[1]);
    expect(rows).toEqual(['a1', 'a2', 'a3']);
    const targets = [...html.matchAll(/data-switch-to="([^"]+)"/g)].map((m) => m[1]);
    expect(targets).toEqual(['a1', 'a3']);
  });

  it('says whom "sign out" signs out, and offers "sign out of all accounts", with more than one account', () => {
    const html = body({ ...ready, signed_in: [ready.account, maria] });
    expect(html).toMatch(/<button id="sign-out" type="button"[^>]*>(<!--[^>]*-->)*Sign out Ann Example<\/button>/);
    expect(html).toMatch(/<button id="sign-out-all" type="button"[^>]*>(<!--[^>]*-->)*Sign out of all accounts<\/button>/);
  });

  it('marks every account action busy while a command runs, with progress on the account being switched to', () => {
    const html = body({ ...three, reaches_accounts: 2 }, { action: 'switch_account', accountId: 'a3' });
    for (const id of ['use-different-account', 'add-account', 'sign-out', 'sign-out-all']) {
      expect(html).toMatch(new RegExp(`<button id="${id}"[^>]*aria-disabled="true"`));
    }
    expect(switchButton(html, 'a2')).toMatch(/aria-disabled="true"/);
    expect(switchButton(html, 'a2')).not.toContain('spinner');
    expect(switchButton(html, 'a3')).toContain('class="spinner');
    expect(body(three)).not.toMatch(/aria-disabled="true"/);
  });

  /** The markup of the switch button for `accountId`. */
  function switchButton(html: string, accountId: string): string {
    const match = new RegExp(`<button[^>]*data-switch-to="${accountId}"[\\s\\S]*?</button>`).exec(html);
    if (!match) throw new Error(`no switch button for ${accountId}`);
    return match[0];
  }

  function body(view: ViewOf<'ready'>, pending: Pending | null = null): string {
    return render(ReadyScreen, { props: { view, pending, ...readyCallbacks } }).body;
  }
});

describe('ChooseAccountScreen markup', () => {
  const chooser: ViewOf<'choose_account'> = {
    screen: 'choose_account',
    accounts: [
      {
        account_id: 'a1',
        display_name: 'Ann Example',
        extension: '201',
        organization_name: 'Acme',
        reached_through_shared_email: false,
      },
      {
        account_id: 'a2',
        display_name: 'Maria Manager',
        extension: '210',
        organization_name: 'Acme Sales',
        reached_through_shared_email: false,
      },
    ],
    remembered_account_id: null,
    shared_email: false,
    in_place_of: null,
    notice: null,
  };
  const body = (view: ViewOf<'choose_account'>, extra: { choosing?: boolean } = {}) =>
    render(ChooseAccountScreen, { props: { view, onChoose: noop, onCancel: noop, ...extra } }).body;
  /** The ids of the radios rendered checked. */
  const checked = (html: string) =>
    [...html.matchAll(/<input type="radio"[^>]*\/>/g)]
      .filter(([tag]) => tag.includes(' checked=""'))
      .map(([tag]) => /id="([^"]+)"/.exec(tag)?.[1]);

  it('has the heading and one labelled radio per account in a "Phone accounts" group', () => {
    const html = body(chooser);
    expect(html).toMatch(/<main[^>]*id="choose-screen"/);
    expect(html).toMatch(/<h1 tabindex="-1"[^>]*>Choose an account<\/h1>/);
    expect(html).toMatch(/<fieldset[^>]*><legend[^>]*>Phone accounts<\/legend>/);
    for (const [id, name, meta] of [
      ['a1', 'Ann Example', 'Extension 201 · Acme'],
      ['a2', 'Maria Manager', 'Extension 210 · Acme Sales'],
    ]) {
      expect(html).toMatch(
        new RegExp(
          `<label[^>]*for="choose-${id}"[^>]*><input type="radio" name="account" id="choose-${id}" value="${id}"[\\s\\S]*?${name}[\\s\\S]*?${meta}[\\s\\S]*?</label>`,
        ),
      );
    }
    expect(html).toMatch(/<button id="choose-continue" type="submit" class="primary[^"]*" aria-disabled="false">[\s\S]*?Continue<\/button>/);
    expect(html).toMatch(/<button id="choose-cancel" type="button"[^>]*>Cancel<\/button>/);
  });

  it('preselects the first account with "remember my choice" unticked when nothing was remembered', () => {
    const html = body(chooser);
    expect(checked(html)).toEqual(['choose-a1']);
    expect(html).toMatch(/<label[^>]*for="remember-choice"[^>]*><input type="checkbox" id="remember-choice"[^>]*\/> Remember my choice/);
    expect(html).not.toMatch(/id="remember-choice" checked/);
  });

  it('preselects the remembered account and ticks "remember my choice"', () => {
    const html = body({ ...chooser, remembered_account_id: 'a2' });
    expect(checked(html)).toEqual(['choose-a2']);
    expect(html).toMatch(/<input type="checkbox" id="remember-choice" checked=""/);
  });

  it('explains the shared email address only when it is shared', () => {
    expect(body(chooser)).not.toContain('shared-email-note');
    expect(body({ ...chooser, shared_email: true })).toMatch(
      /<p id="shared-email-note"[^>]*>Your email address is shared by several accounts \(a shared or group address\)\. Make sure you pick your own\.<\/p>/,
    );
  });

  it('shows its notice, and progress on Continue while choosing', () => {
    const html = body(
      { ...chooser, notice: { kind: 'error', message: 'Too many wrong attempts. Try again in 15 minutes.', code: 'too_many_attempts' } },
      { choosing: true },
    );
    expect(html).toMatch(/<p id="view-notice"[^>]*role="alert"[^>]*>\s*Too many wrong attempts/);
    expect(html).toMatch(/<button id="choose-continue"[^>]*aria-disabled="true"><!--\[0--><span class="spinner/);
    expect(html).toMatch(/<p id="choose-progress"[^>]*role="status"[^>]*>Signing you in…<\/p>/);
  });
});

describe('LinkAccountScreen markup', () => {
  const link: ViewOf<'link_account'> = {
    screen: 'link_account',
    provider_name: 'Google',
    email: 'ann@example.com',
    reason: 'no_account_for_email',
    reason_text: 'No phone account signs in with ann@example.com through Google yet.',
    notice: null,
  };
  const body = (view: ViewOf<'link_account'>, extra: { linking?: boolean } = {}) =>
    render(LinkAccountScreen, { props: { view, onLink: noop, onCancel: noop, ...extra } }).body;

  it('says why and what to do', () => {
    const html = body(link);
    expect(html).toMatch(/<main[^>]*id="link-screen"/);
    expect(html).toMatch(/<h1 id="link-heading" tabindex="-1"[^>]*>Link your sign-in<\/h1>/);
    expect(html).toContain('No phone account signs in with ann@example.com through Google yet.');
    expect(html).toContain(
      "Enter your phone account's username and password once to link them. Next time Google signs you in directly.",
    );
    // The reason is the view's sentence (written in Rust, the CLI prints the same), as it is.
    const unverified = "Google did not confirm your email address, so it can't find your account by itself.";
    expect(body({ ...link, reason: 'email_unverified', reason_text: unverified })).toContain(unverified);
  });

  it('opens with the username field focused, the heading naming the screen', () => {
    const html = body(link);
    expect(html).toMatch(/<main[^>]*id="link-screen"[^>]*aria-labelledby="link-heading"/);
    // Only the first field takes focus when the screen opens (App.svelte: focusNewScreen).
    expect(html.match(/data-autofocus/g)).toHaveLength(1);
    expect(html).toMatch(/<input id="link-username"[^>]*data-autofocus/);
  });

  it('has labelled username, password and optional code fields, and the two buttons', () => {
    const html = body(link);
    expect(html).toMatch(/<label for="link-username"[^>]*>Username<\/label>/);
    expect(html).toMatch(/<input id="link-username"[^>]*type="text"[^>]*autocomplete="username"[^>]*required/);
    expect(html).toMatch(/<label for="link-password"[^>]*>Password<\/label>/);
    expect(html).toMatch(/<input id="link-password"[^>]*type="password"[^>]*autocomplete="current-password"[^>]*required/);
    expect(html).toMatch(/<label for="link-code"[^>]*>Authenticator code \(only if your account has one\)<\/label>/);
    expect(html).toMatch(/<input id="link-code"[^>]*inputmode="numeric"[^>]*autocomplete="one-time-code"/);
    expect(html).not.toMatch(/<input id="link-code"[^>]*required/);
    expect(html).toMatch(/<button id="link-submit" type="submit"[^>]*aria-disabled="false">[\s\S]*?Link and sign in\s*<\/button>/);
    expect(html).toMatch(/<button id="link-cancel" type="button"[^>]*>Cancel<\/button>/);
    expect(html).toMatch(/<p id="link-form-error"[^>]*role="alert"[^>]*><\/p>/);
    expect(html).not.toContain('view-notice');
  });

  it('shows the notice of a failed attempt, and progress while linking', () => {
    const html = body(
      { ...link, notice: { kind: 'error', message: 'The username or password is wrong.', code: 'invalid_credentials' } },
      { linking: true },
    );
    expect(html).toMatch(/<p id="view-notice"[^>]*role="alert"[^>]*>\s*The username or password is wrong\./);
    expect(html).toMatch(/<button id="link-submit"[^>]*aria-disabled="true"><!--\[0--><span class="spinner/);
    expect(html).toMatch(/<button id="link-cancel"[^>]*aria-disabled="true"/);
  });
});

describe('StepNotSupportedScreen markup', () => {
  it('shows the message and the way back', () => {
    const { body } = render(StepNotSupportedScreen, {
      props: { view: { screen: 'step_not_supported', message: 'Your organization requires a code.' }, onBack: noop },
    });
    expect(body).toMatch(/<main[^>]*id="step-screen"/);
    expect(body).toMatch(/<h1 tabindex="-1"/);
    expect(body).toMatch(/<p id="step-message"[^>]*>Your organization requires a code.<\/p>/);
    expect(body).toMatch(/<button id="back-to-sign-in" type="button"[^>]*>Back to sign in<\/button>/);
  });
});

describe('ReadyScreen dial field', () => {
  it('offers a labelled field to call a number from the account', () => {
    const { body } = render(ReadyScreen, { props: { view: ready, ...readyCallbacks } });
    expect(body).toMatch(/<form id="dial-form"/);
    expect(body).toMatch(/<label for="dial-number">Call a number<\/label>/);
    expect(body).toMatch(/<input id="dial-number" type="tel"/);
    expect(body).toMatch(/<button id="dial-button" type="submit"[^>]*>(<!--[^>]*-->)*Call<\/button>/);
  });
});
