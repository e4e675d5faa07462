import { describe, expect, it } from 'vitest';
import type { PortalStatus } from '../bindings/PortalStatus';
import type { Backend } from './bridge';
import { fakeBackend as fake } from './fakeBackend';
import {
  PASSWORD_SIGN_IN_PROGRESS,
  emailAnswerModel,
  loadPortalStatus,
  openingBrowserText,
  portalLine,
  providerButtons,
  signInScreenModel,
  validatePasswordSignIn,
  validateWorkEmail,
  type ProviderButton,
} from './signInScreen';

const reachable = (overrides: Partial<Extract<PortalStatus, { state: 'reachable' }>['options']> = {}): PortalStatus => ({
  state: 'reachable',
  options: {
    portal_name: 'Acme Phones',
    status_page_url: 'https://status.example.com',
    providers: [],
    password_sign_in: true,
    ...overrides,
  },
});

const unreachable: PortalStatus = {
  state: 'unreachable',
  message: 'connection refused',
  status_page_url: 'https://status.example.com',
};

const fakeBackend = (portalStatus: () => Promise<PortalStatus>): Backend =>
  fake({
    appInfo: () => Promise.resolve({ portal_url: 'https://portal.example.com', version: '0.1.0' }),
    portalStatus,
  });

const ids = (buttons: ProviderButton[]) => buttons.map((b) => b.id);

describe('providerButtons', () => {
  it('always offers Google, Microsoft and Apple, in that order', () => {
    for (const status of [undefined, unreachable, reachable()]) {
      expect(providerButtons(status)).toEqual([
        { id: 'google', kind: 'google', name: 'Google', label: 'Sign in with Google' },
        { id: 'microsoft', kind: 'microsoft', name: 'Microsoft', label: 'Sign in with Microsoft' },
        { id: 'apple', kind: 'apple', name: 'Apple', label: 'Sign in with Apple' },
      ]);
    }
  });

  it("adds the organization's OIDC providers after the built-in ones", () => {
    const buttons = providerButtons(
      reachable({
        providers: [
          { id: 'acme-sso', kind: 'oidc', display_name: 'Acme SSO' },
          { id: 'google', kind: 'google', display_name: 'Google' },
        ],
      }),
    );
    expect(ids(buttons)).toEqual(['google', 'microsoft', 'apple', 'acme-sso']);
    expect(buttons[3]).toEqual({ id: 'acme-sso', kind: 'oidc', name: 'Acme SSO', label: 'Sign in with Acme SSO' });
  });

  it("uses the portal's ids for built-in providers it lists", () => {
    const buttons = providerButtons(
      reachable({
        providers: [
          { id: 'entra', kind: 'microsoft', display_name: 'Office 365' },
          { id: 'workspace', kind: 'google', display_name: 'Google Workspace' },
        ],
      }),
    );
    expect(ids(buttons)).toEqual(['workspace', 'entra', 'apple']);
    // Built-in labels follow the brand name, not the portal's display name.
    expect(buttons.map((b) => b.label)).toEqual([
      'Sign in with Google',
      'Sign in with Microsoft',
      'Sign in with Apple',
    ]);
  });

  it('skips duplicate ids and falls back to the id for a blank display name', () => {
    const buttons = providerButtons(
      reachable({
        providers: [
          { id: 'corp', kind: 'oidc', display_name: '  ' },
          { id: 'corp', kind: 'oidc', display_name: 'Corp again' },
        ],
      }),
    );
    expect(ids(buttons)).toEqual(['google', 'microsoft', 'apple', 'corp']);
    expect(buttons[3]?.label).toBe('Sign in with corp');
  });
});

describe('signInScreenModel', () => {
  it('shows the app name and a checking line while loading', () => {
    const model = signInScreenModel(undefined);
    expect(model.portalName).toBe('Switchboard');
    expect(model.portal).toEqual({
      state: 'checking',
      text: 'Checking the portal…',
      canRetry: false,
      statusPageUrl: null,
    });
  });

  it("shows the portal's name when reachable", () => {
    const model = signInScreenModel(reachable({ providers: [{ id: 'acme', kind: 'oidc', display_name: 'Acme' }] }));
    expect(model.portalName).toBe('Acme Phones');
    expect(model.portal).toEqual({
      state: 'reachable',
      text: 'Connected to Acme Phones',
      canRetry: false,
      statusPageUrl: null,
    });
    expect(ids(model.buttons)).toEqual(['google', 'microsoft', 'apple', 'acme']);
  });

  it('offers retry and the status page when unreachable', () => {
    const model = signInScreenModel(unreachable);
    expect(model.portalName).toBe('Switchboard');
    expect(model.portal).toEqual({
      state: 'unreachable',
      text: "Can't reach the portal: connection refused",
      canRetry: true,
      statusPageUrl: 'https://status.example.com',
    });
    expect(ids(model.buttons)).toEqual(['google', 'microsoft', 'apple']);
  });

  it('has no status link when the portal gave none', () => {
    expect(portalLine({ ...unreachable, status_page_url: null }).statusPageUrl).toBeNull();
  });
});

describe('loadPortalStatus', () => {
  it('passes the backend answer through', async () => {
    await expect(loadPortalStatus(fakeBackend(() => Promise.resolve(reachable())))).resolves.toEqual(reachable());
  });

  it('turns a rejected call (CommandError) into unreachable, keeping the code', async () => {
    const backend = fakeBackend(() => Promise.reject({ code: 'portal.timeout', message: 'The portal did not answer.' }));
    const status = await loadPortalStatus(backend);
    expect(status).toEqual({
      state: 'unreachable',
      message: 'The portal did not answer.',
      status_page_url: null,
      errorCode: 'portal.timeout',
    });
    expect(portalLine(status).text).toBe("Can't reach the portal: The portal did not answer.");
  });

  it('copes with a plain string rejection (e.g. an unknown command)', async () => {
    const status = await loadPortalStatus(fakeBackend(() => Promise.reject('command portal_status not found')));
    expect(status).toMatchObject({ state: 'unreachable', message: 'command portal_status not found', errorCode: null });
  });
});

describe('validatePasswordSignIn', () => {
  it('asks for what is missing, focusing the first missing field', () => {
    expect(validatePasswordSignIn({ username: '', password: '' })).toEqual({
      message: 'Enter your username and password.',
      field: 'username',
      invalid: ['username', 'password'],
    });
    expect(validatePasswordSignIn({ username: '  ', password: 'pw' })).toEqual({
      message: 'Enter your username or email.',
      field: 'username',
      invalid: ['username'],
    });
    expect(validatePasswordSignIn({ username: 'ann', password: '' })).toEqual({
      message: 'Enter your password.',
      field: 'password',
      invalid: ['password'],
    });
  });

  it('accepts a username and any password, even blanks only', () => {
    expect(validatePasswordSignIn({ username: 'ann', password: ' ' })).toBeNull();
  });
});

describe('sign-in notices', () => {
  it('says it is signing in while the password sign-in runs', () => {
    expect(PASSWORD_SIGN_IN_PROGRESS).toBe('Signing you in…');
  });

  it('says the browser is opening for the chosen provider', () => {
    const [google] = providerButtons(undefined);
    expect(openingBrowserText(google!.name)).toBe('Opening your browser to sign in with Google…');
  });
});

describe('continue with work email', () => {
  it('asks for an address before asking the portal', () => {
    expect(validateWorkEmail('')).toBe('Enter your work email.');
    expect(validateWorkEmail('   ')).toBe('Enter your work email.');
    for (const garbage of ['tom', '@acme.example', 'tom@', 'tom@acme', 'tom@acme.', 'to m@acme.example']) {
      expect(validateWorkEmail(garbage), garbage).toBe('Enter your work email address, such as name@company.com.');
    }
    expect(validateWorkEmail(' tom@acme.example ')).toBeNull();
  });

  it("offers the domain's providers, each to start with the email as login hint", () => {
    const model = emailAnswerModel({
      next: 'choose_provider',
      email: 'tom@acme.example',
      domain: 'acme.example',
      providers: [
        { id: 'google', kind: 'google', display_name: 'Google' },
        { id: 'acme-sso', kind: 'oidc', display_name: ' Acme SSO ' },
        { id: 'globex', kind: 'oidc', display_name: '' },
      ],
      message: 'acme.example signs in with more than one provider. Choose the one your organization uses.',
    });
    expect(model).toEqual({
      message: 'acme.example signs in with more than one provider. Choose the one your organization uses.',
      kind: 'info',
      choices: [
        { id: 'google', kind: 'google', name: 'Google', label: 'Continue with Google' },
        { id: 'acme-sso', kind: 'oidc', name: 'Acme SSO', label: 'Continue with Acme SSO' },
        { id: 'globex', kind: 'oidc', name: 'globex', label: 'Continue with globex' },
      ],
      loginHint: 'tom@acme.example',
      usePassword: false,
    });
  });

  it('says no single sign-on is set up and points to the password when there is none', () => {
    const message = 'No single sign-on is set up for unknown.example. Sign in with your username and password, or ask your administrator.';
    expect(
      emailAnswerModel({ next: 'no_single_sign_on', email: 'a@unknown.example', domain: 'unknown.example', message, password_sign_in: true }),
    ).toEqual({ message, kind: 'info', choices: [], loginHint: null, usePassword: true });
    expect(
      emailAnswerModel({ next: 'no_single_sign_on', email: 'a@unknown.example', domain: 'unknown.example', message, password_sign_in: false })
        .usePassword,
    ).toBe(false);
  });

  it("shows a refused address as the field's error", () => {
    expect(emailAnswerModel({ next: 'error', message: 'Enter your work email address.', code: 'invalid_request' })).toEqual({
      message: 'Enter your work email address.',
      kind: 'error',
      choices: [],
      loginHint: null,
      usePassword: false,
    });
  });
});
