// First frames of the screens other than sign-in, rendered on the server (no DOM needed).
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import App from '../App.svelte';
import type { ViewOf } from '../lib/appView';
import { fakeBackend } from '../lib/fakeBackend';
import ReadyScreen from './ReadyScreen.svelte';
import RestoringScreen from './RestoringScreen.svelte';
import StepNotSupportedScreen from './StepNotSupportedScreen.svelte';
import WaitingScreen from './WaitingScreen.svelte';

const noop = () => {};

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
});

describe('ReadyScreen markup', () => {
  const { body } = render(ReadyScreen, { props: { view: ready, onSignOut: noop } });

  it('shows who is signed in and the phone', () => {
    expect(body).toMatch(/<main[^>]*id="ready-screen"/);
    expect(body).toMatch(/<h1 id="ready-name" tabindex="-1"[^>]*>Ann Example<\/h1>/);
    expect(body).toMatch(/id="ready-extension"[^>]*>Extension 201</);
    expect(body).toMatch(/id="ready-server"[^>]*>sip.example.com</);
    expect(body).toMatch(/id="ready-transport"[^>]*>TLS</);
    expect(body).toMatch(/id="ready-organization"[^>]*>Acme</);
    expect(body).toContain('Your phone is set up.');
    expect(body).toMatch(/<button id="sign-out" type="button"[^>]*>Sign out<\/button>/);
    expect(body).not.toContain('view-notice');
  });

  it('shows its notice', () => {
    const withNotice = render(ReadyScreen, {
      props: {
        view: { ...ready, notice: { kind: 'error', message: "Couldn't sign out.", code: 'session.sign_out' } },
        onSignOut: noop,
      },
    }).body;
    expect(withNotice).toMatch(/<p id="view-notice"[^>]*role="alert"[^>]*data-kind="error"[^>]*>\s*Couldn't sign out./);
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
