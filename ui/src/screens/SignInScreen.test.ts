// Renders the screen's first frame on the server (no DOM needed) to check its structure.
import { render } from 'svelte/server';
import { describe, expect, it, vi } from 'vitest';
import { fakeBackend } from '../lib/fakeBackend';
import SignInScreen from './SignInScreen.svelte';

const backend = fakeBackend();
const onStartSignIn = () => {};
const onPasswordSignIn = () => {};

describe('SignInScreen markup', () => {
  const { body } = render(SignInScreen, { props: { backend, onStartSignIn, onPasswordSignIn } });

  it('has the heading, app name and the three built-in providers', () => {
    expect(body).toMatch(/<h1[^>]*tabindex="-1"[^>]*>Sign in<\/h1>/);
    expect(body).toContain('Switchboard');
    for (const [id, name] of [
      ['google', 'Google'],
      ['microsoft', 'Microsoft'],
      ['apple', 'Apple'],
    ]) {
      expect(body).toMatch(new RegExp(`<button[^>]*data-provider="${id}"[^>]*>[\\s\\S]*?Sign in with ${name}`));
    }
  });

  it('labels the password form fields', () => {
    expect(body).toMatch(/<label for="username"[^>]*>Username or email<\/label>/);
    expect(body).toMatch(/<input[^>]*id="username"[^>]*autocomplete="username"/);
    expect(body).toMatch(/<label for="password"[^>]*>Password<\/label>/);
    expect(body).toMatch(/<input[^>]*id="password"[^>]*type="password"[^>]*autocomplete="current-password"/);
    expect(body).toMatch(/<button id="password-sign-in"[^>]*type="submit"[^>]*aria-disabled="false"[^>]*>(<!--[^>]*-->)*Sign in\s*<\/button>/);
  });

  it('starts by checking the portal, in a polite live region', () => {
    expect(body).toMatch(/<p id="portal-status"[^>]*role="status"[^>]*aria-live="polite"[^>]*data-state="checking"/);
    expect(body).toContain('Checking the portal…');
    expect(body).toMatch(/class="spinner[^"]*" aria-hidden="true"/);
    expect(body).not.toContain('retry-portal');
    expect(body).toMatch(/<p id="sign-in-notice"[^>]*role="alert"[^>]*><\/p>/);
  });

  it('has no view notice and enabled provider buttons when nothing happened', () => {
    expect(body).not.toContain('view-notice');
    expect(body).toMatch(/<button[^>]*data-provider="google"[^>]*aria-disabled="false"/);
    expect(body).toMatch(/<p id="sign-in-progress"[^>]*role="status"[^>]*>(<!--[^>]*-->|\s)*<\/p>/);
  });
});

describe('SignInScreen: continue with work email', () => {
  it('offers a labelled work email field and its button between the providers and the password', () => {
    const { body } = render(SignInScreen, { props: { backend, onStartSignIn, onPasswordSignIn } });
    expect(body).toMatch(/<form[^>]*aria-label="Continue with work email"/);
    expect(body).toMatch(/<label for="work-email"[^>]*>Work email<\/label>/);
    expect(body).toMatch(/<input[^>]*id="work-email"[^>]*type="email"[^>]*autocomplete="email"/);
    expect(body).toMatch(/<button id="email-sign-in"[^>]*type="submit"[^>]*aria-disabled="false"[^>]*>(<!--[^>]*-->)*Continue with work email/);
    expect(body).toMatch(/<p id="email-notice"[^>]*role="status"[^>]*><\/p>/);
    expect(body.indexOf('data-provider="apple"')).toBeLessThan(body.indexOf('id="work-email"'));
    expect(body.indexOf('id="work-email"')).toBeLessThan(body.indexOf('id="username"'));
    // No company provider is a button for everyone, and no choice is shown before asking.
    expect(body).not.toContain('data-email-provider');
  });

  it('marks everything busy and says what it is doing while the portal is asked', () => {
    const { body } = render(SignInScreen, { props: { backend, onStartSignIn, onPasswordSignIn, lookingUp: true } });
    expect(body).toMatch(/<button id="email-sign-in"[^>]*aria-disabled="true"/);
    expect(body).toMatch(/<button[^>]*data-provider="google"[^>]*aria-disabled="true"/);
    expect(body).toMatch(/<button id="password-sign-in"[^>]*aria-disabled="true"/);
    expect(body).toMatch(/id="sign-in-progress"[^>]*>[\s\S]*Finding how your organization signs in…/);
  });
});

describe('SignInScreen with a notice or a sign-in starting', () => {
  it('after too many wrong passwords counts the wait down, holds Sign in, and shows one message', () => {
    const { body } = render(SignInScreen, {
      props: {
        backend,
        onStartSignIn,
        onPasswordSignIn,
        notice: {
          kind: 'error',
          message: 'Too many wrong attempts. Try again in 2 minutes.',
          code: 'too_many_attempts',
          retry_after_seconds: 95,
        },
      },
    });
    expect(body).toMatch(/<p id="view-notice"[^>]*role="alert"[^>]*data-code="too_many_attempts"[^>]*data-waiting="true"/);
    expect(body).toMatch(/<span id="wait-countdown" aria-hidden="true">Too many wrong attempts\. Try again in 1:3[456]\.<\/span>/);
    // Read out once, not every second.
    expect(body).toMatch(/<span class="visually-hidden">Too many wrong attempts\. Try again in 2 minutes\.<\/span>/);
    expect(body).toMatch(/<button id="password-sign-in"[^>]* disabled[ >=]/);
    expect(body.match(/Too many wrong attempts/g)).toHaveLength(2);
  });

  it('after a wrong password that started a wait counts it down and holds Sign in, one message', () => {
    const { body } = render(SignInScreen, {
      props: {
        backend,
        onStartSignIn,
        onPasswordSignIn,
        notice: {
          kind: 'error',
          message: 'The username or password is wrong. Try again in 8 seconds.',
          code: 'invalid_credentials',
          retry_after_seconds: 8,
        },
      },
    });
    expect(body).toMatch(/<p id="view-notice"[^>]*role="alert"[^>]*data-code="invalid_credentials"[^>]*data-waiting="true"/);
    expect(body).toMatch(
      /<span id="wait-countdown" aria-hidden="true">The username or password is wrong\. Try again in 0:0[78]\.<\/span>/,
    );
    expect(body).toMatch(/<button id="password-sign-in"[^>]* disabled[ >=]/);
    expect(body).not.toContain('Too many wrong attempts');
  });

  it('keeps Sign in enabled after a wrong password', () => {
    const { body } = render(SignInScreen, {
      props: {
        backend,
        onStartSignIn,
        onPasswordSignIn,
        notice: { kind: 'error', message: 'Wrong username or password.', code: 'invalid_credentials' },
      },
    });
    expect(body).not.toContain('wait-countdown');
    expect(body).not.toMatch(/<button id="password-sign-in"[^>]* disabled[ >=]/);
  });

  it('shows an error notice above the buttons as an alert, keeping the code', () => {
    const { body } = render(SignInScreen, {
      props: {
        backend,
        onStartSignIn,
        onPasswordSignIn,
        notice: { kind: 'error', message: 'The sign-in was cancelled at Google.', code: 'access_denied' },
      },
    });
    expect(body).toMatch(
      /<p id="view-notice"[^>]*role="alert"[^>]*data-kind="error"[^>]*data-code="access_denied"[^>]*>\s*The sign-in was cancelled at Google.\s*<\/p>/,
    );
    expect(body.indexOf('id="view-notice"')).toBeLessThan(body.indexOf('data-provider="google"'));
  });

  it('shows an info notice as a status', () => {
    const { body } = render(SignInScreen, {
      props: { backend, onStartSignIn, onPasswordSignIn, notice: { kind: 'info', message: 'You are signed out.', code: null } },
    });
    expect(body).toMatch(/<p id="view-notice"[^>]*role="status"[^>]*data-kind="info"/);
    expect(body).not.toContain('data-code');
  });

  it('marks the buttons busy and says the browser is opening', () => {
    const { body } = render(SignInScreen, {
      props: { backend, onStartSignIn, onPasswordSignIn, startingWith: { id: 'google', name: 'Google' } },
    });
    expect(body).toMatch(/<button[^>]*data-provider="google"[^>]*aria-disabled="true"/);
    expect(body).toMatch(/id="sign-in-progress"[^>]*>[\s\S]*Opening your browser to sign in with Google…/);
  });
});

describe('SignInScreen while another account is signed in', () => {
  const ann = {
    account_id: 'a1',
    username: 'ann',
    display_name: 'Ann Example',
    extension: '201',
    organization_name: 'Acme',
  };

  it('offers the way back to that account', () => {
    const { body } = render(SignInScreen, { props: { backend, onStartSignIn, onPasswordSignIn, backTo: ann, onBack: () => {} } });
    expect(body).toMatch(/<button id="back-to-account" type="button"[^>]*aria-disabled="false"[^>]*>[\s\S]*?Back to Ann Example\s*<\/button>/);
  });

  it('has no way back when no account is signed in', () => {
    expect(render(SignInScreen, { props: { backend, onStartSignIn, onPasswordSignIn } }).body).not.toContain('back-to-account');
    expect(render(SignInScreen, { props: { backend, onStartSignIn, onPasswordSignIn, backTo: null } }).body).not.toContain(
      'back-to-account',
    );
  });

  it('marks the way back busy while going back', () => {
    const { body } = render(SignInScreen, { props: { backend, onStartSignIn, onPasswordSignIn, backTo: ann, leaving: true } });
    expect(body).toMatch(/<button id="back-to-account"[^>]*aria-disabled="true"/);
  });
});

describe('SignInScreen: an unreachable portal is said once', () => {
  it('leaves a sign-in that could not reach the portal to the status line, not the banner', () => {
    const notice = {
      kind: 'error' as const,
      code: 'portal_unreachable' as const,
      message: "Can't reach the portal: connection refused.",
    };
    const { body } = render(SignInScreen, { props: { backend, notice, onStartSignIn, onPasswordSignIn } });
    expect(body).not.toContain('view-notice');
  });

  it('keeps other notices in the banner', () => {
    const notice = { kind: 'error' as const, code: 'invalid_credentials' as const, message: 'Wrong password.' };
    const { body } = render(SignInScreen, { props: { backend, notice, onStartSignIn, onPasswordSignIn } });
    expect(body).toMatch(/<p id="view-notice"[^>]*>\s*Wrong password\.\s*<\/p>/);
  });
});

describe('SignInScreen countdown on a slow machine', () => {
  it('starts at the full wait even when the clock moves between its reads', () => {
    // Every read of the clock is a second later, as on a machine too loaded to keep up.
    let clock = 1_800_000_000_000;
    const now = vi.spyOn(Date, 'now').mockImplementation(() => (clock += 1000));
    try {
      const { body } = render(SignInScreen, {
        props: {
          backend,
          onStartSignIn,
          onPasswordSignIn,
          notice: {
            kind: 'error',
            message: 'The username or password is wrong. Try again in 8 seconds.',
            code: 'invalid_credentials',
            retry_after_seconds: 8,
          },
        },
      });
      expect(body).toMatch(/Try again in 0:08\.<\/span>/);
    } finally {
      now.mockRestore();
    }
  });
});
