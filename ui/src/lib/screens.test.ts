import { describe, expect, it } from 'vitest';
import type { ViewOf } from './appView';
import { readyModel, stepModel, transportLabel, waitingModel } from './screens';

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
    display_name: 'Ann (desk)',
    sip_domain: 'sip.example.com',
    registrar: 'sip:sip.example.com:5061',
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

describe('waitingModel', () => {
  it("names the provider and says what happens next", () => {
    expect(
      waitingModel({
        screen: 'waiting_for_browser',
        provider_name: 'Acme SSO',
        authorize_url: 'https://p/authorize',
        browser_opened: true,
      }),
    ).toEqual({
      heading: 'Continue in your browser',
      text: "Sign in with Acme SSO in the browser window that opened. This window updates when you're done.",
      progress: 'Waiting for you to finish signing in…',
      authorizeUrl: 'https://p/authorize',
      noBrowser: false,
      linkHeading: "Browser didn't open?",
    });
  });

  it('says at once when no browser could be opened, and never speaks of a browser window that opened', () => {
    const model = waitingModel({
      screen: 'waiting_for_browser',
      provider_name: 'Google',
      authorize_url: 'https://p/authorize',
      browser_opened: false,
    });
    expect(model.noBrowser).toBe(true);
    expect(model.heading).toBe('Sign in with Google in a browser');
    expect(model.text).toBe(
      "No browser could be opened on this computer. Copy the sign-in link and open it in a browser. This window updates when you're done.",
    );
    expect(model.text).not.toContain('that opened');
    expect(model.linkHeading).toBeNull();
  });

  it('copes with a blank provider name', () => {
    expect(waitingModel({ screen: 'waiting_for_browser', provider_name: ' ', authorize_url: 'u', browser_opened: true }).text).toMatch(
      /^Sign in with your provider in/,
    );
  });
});

describe('readyModel', () => {
  it("shows the account's name, extension, server, transport and organization", () => {
    expect(readyModel(ready)).toEqual({
      name: 'Ann Example',
      extension: 'Extension 201',
      server: 'sip.example.com',
      transport: 'TLS',
      organization: 'Acme',
      username: 'ann',
    });
  });

  it('falls back to the phone name, then the username, for a blank display name', () => {
    const blank = { ...ready, account: { ...ready.account, display_name: '' } };
    expect(readyModel(blank).name).toBe('Ann (desk)');
    expect(readyModel({ ...blank, phone: { ...blank.phone, display_name: ' ' } }).name).toBe('ann');
  });

  it("uses the account's extension when the phone has none", () => {
    expect(readyModel({ ...ready, phone: { ...ready.phone, extension: '' } }).extension).toBe('Extension 201');
  });

  it('labels every transport', () => {
    expect(transportLabel('udp')).toBe('UDP');
    expect(transportLabel('tcp')).toBe('TCP');
    expect(transportLabel('tls')).toBe('TLS');
  });
});

describe('stepModel', () => {
  it("shows the backend's message, or a generic one when blank", () => {
    expect(stepModel({ screen: 'step_not_supported', message: 'Your organization requires a code.' })).toEqual({
      heading: "Can't finish signing in here",
      message: 'Your organization requires a code.',
    });
    expect(stepModel({ screen: 'step_not_supported', message: '' }).message).toMatch(/cannot take yet/);
  });
});
