import { describe, expect, it } from 'vitest';
import type { AccountChoice } from '../bindings/AccountChoice';
import type { AccountSummary } from '../bindings/AccountSummary';
import type { AppView } from '../bindings/AppView';
import {
  SHARED_EMAIL_NOTE,
  backToLabel,
  chooserModel,
  linkArgs,
  linkModel,
  linkOutcome,
  selectedAccount,
  switchLabel,
  switcherModel,
  differentAccountHelp,
  validateLinkForm,
} from './accounts';
import type { ViewOf } from './appView';

const choice = (id: string, name: string, extension: string, shared = false): AccountChoice => ({
  account_id: id,
  display_name: name,
  extension,
  organization_name: 'Acme',
  reached_through_shared_email: shared,
});

const chooser: ViewOf<'choose_account'> = {
  screen: 'choose_account',
  accounts: [choice('a1', 'Ann Example', '201'), choice('a2', 'Maria Manager', '210')],
  remembered_account_id: null,
  shared_email: false,
  in_place_of: null,
  notice: null,
};

const ann: AccountSummary = {
  account_id: 'a1',
  username: 'ann',
  display_name: 'Ann Example',
  extension: '201',
  organization_name: 'Acme',
};
const maria: AccountSummary = { ...ann, account_id: 'a2', username: 'maria', display_name: 'Maria Manager', extension: '210' };
const sam: AccountSummary = { ...ann, account_id: 'a3', username: 'sam', display_name: ' ', extension: '' };

const ready = (signedIn: AccountSummary[]): ViewOf<'ready'> => ({
  screen: 'ready',
  account: ann,
  phone: {
    extension: '201',
    display_name: 'Ann Example',
    sip_domain: 'sip.example.com',
    registrar: 'sip:sip.example.com',
    transport: 'tls',
  },
  notice: null,
  signed_in: signedIn,
  reaches_accounts: 1,
});

const link = (overrides: Partial<ViewOf<'link_account'>> = {}): ViewOf<'link_account'> => ({
  screen: 'link_account',
  provider_name: 'Google',
  email: 'ann@example.com',
  reason: 'no_account_for_email',
  reason_text: 'No phone account signs in with ann@example.com through Google yet.',
  notice: null,
  ...overrides,
});

describe('backToLabel', () => {
  it("names the account that is still signed in, by display name or else username", () => {
    expect(backToLabel(ann)).toBe('Back to Ann Example');
    expect(backToLabel({ ...ann, display_name: '' })).toBe('Back to ann');
  });
});

describe('chooserModel', () => {
  it('after "Use a different account" says the chosen account replaces the one in use, and marks it', () => {
    const model = chooserModel({ ...chooser, remembered_account_id: 'a1', in_place_of: ann });
    expect(model.heading).toBe('Use a different account');
    expect(model.text).toBe(
      'Choose the account to use here instead of Ann Example. Once you continue, Ann Example is signed out on this computer and calls to 201 stop ringing here.',
    );
    expect(model.options.map((o) => o.inUse)).toEqual([true, false]);
    // The remembered account is the one in use: the other one is what the user came for.
    expect(model.initialAccountId).toBe('a2');
    expect(model.progress).toBe('Switching accounts…');
  });

  it('for a new sign-in marks no account as in use', () => {
    const model = chooserModel(chooser);
    expect(model.heading).toBe('Choose an account');
    expect(model.options.some((o) => o.inUse)).toBe(false);
  });

  it('lists every account with its radio id, extension and organization', () => {
    const model = chooserModel(chooser);
    expect(model.heading).toBe('Choose an account');
    expect(model.legend).toBe('Phone accounts');
    expect(model.options).toEqual([
      {
        accountId: 'a1',
        inputId: 'choose-a1',
        name: 'Ann Example',
        extension: 'Extension 201',
        organization: 'Acme',
        meta: 'Extension 201 · Acme',
        sharedNote: null,
        inUse: false,
      },
      {
        accountId: 'a2',
        inputId: 'choose-a2',
        name: 'Maria Manager',
        extension: 'Extension 210',
        organization: 'Acme',
        meta: 'Extension 210 · Acme',
        sharedNote: null,
        inUse: false,
      },
    ]);
  });

  it('preselects the first account and leaves "remember" unticked without a remembered choice', () => {
    const model = chooserModel(chooser);
    expect(model.initialAccountId).toBe('a1');
    expect(model.initialRemember).toBe(false);
  });

  it('preselects the remembered account and ticks "remember"', () => {
    const model = chooserModel({ ...chooser, remembered_account_id: 'a2' });
    expect(model.initialAccountId).toBe('a2');
    expect(model.initialRemember).toBe(true);
  });

  it('falls back to the first account when the remembered one is not listed', () => {
    const model = chooserModel({ ...chooser, remembered_account_id: 'gone' });
    expect(model.initialAccountId).toBe('a1');
    expect(model.initialRemember).toBe(true);
  });

  it('copes with no accounts and with blank names, extensions and organizations', () => {
    const empty = chooserModel({ ...chooser, accounts: [] });
    expect(empty.initialAccountId).toBeNull();
    expect(empty.options).toEqual([]);
    const [blank] = chooserModel({
      ...chooser,
      accounts: [{ ...choice('a9', ' ', ''), organization_name: '' }],
    }).options;
    expect(blank).toMatchObject({ name: 'Unnamed account', extension: 'No extension', meta: 'No extension' });
  });

  it('explains a shared email address only when the view says so', () => {
    expect(chooserModel(chooser).sharedEmailNote).toBeNull();
    expect(chooserModel({ ...chooser, shared_email: true }).sharedEmailNote).toBe(SHARED_EMAIL_NOTE);
    expect(SHARED_EMAIL_NOTE).toMatch(/shared by several accounts.*Make sure you pick your own\./);
  });

  it('marks the accounts reached through a shared address', () => {
    const model = chooserModel({ ...chooser, accounts: [choice('a1', 'Ann', '201', true), choice('a2', 'Maria', '210')] });
    expect(model.options.map((o) => o.sharedNote)).toEqual(['Shared email address', null]);
  });
});

describe('selectedAccount', () => {
  const model = chooserModel({ ...chooser, remembered_account_id: 'a2' });

  it("is the user's pick while it is listed, else the preselected account", () => {
    expect(selectedAccount(model, null)).toBe('a2');
    expect(selectedAccount(model, 'a1')).toBe('a1');
    expect(selectedAccount(model, 'gone')).toBe('a2');
  });
});

describe('linkModel', () => {
  it('says to link once with the phone account, naming the provider', () => {
    expect(linkModel(link({ reason: 'email_unverified', reason_text: 'Said by Rust.' }))).toEqual({
      heading: 'Link your sign-in',
      reason: 'Said by Rust.',
      instruction:
        "Enter your phone account's username and password once to link them. Next time Google signs you in directly.",
    });
  });
});

describe('validateLinkForm and linkArgs', () => {
  it('requires the username and the password, the code is optional', () => {
    expect(validateLinkForm({ username: 'ann', password: 'pw', code: '' })).toBeNull();
    expect(validateLinkForm({ username: '  ', password: 'pw', code: '' })).toEqual({
      message: 'Enter your username.',
      field: 'username',
      invalid: ['username'],
    });
    expect(validateLinkForm({ username: 'ann', password: '', code: '123456' })).toEqual({
      message: 'Enter your password.',
      field: 'password',
      invalid: ['password'],
    });
    expect(validateLinkForm({ username: '', password: '', code: '' })).toEqual({
      message: 'Enter your username and password.',
      field: 'username',
      invalid: ['username', 'password'],
    });
  });

  it('trims the username, keeps the password as typed and sends no code when blank', () => {
    expect(linkArgs({ username: ' ann ', password: ' pw ', code: ' ' })).toEqual({
      username: 'ann',
      password: ' pw ',
      totpCode: null,
    });
    expect(linkArgs({ username: 'ann', password: 'pw', code: '123 456' }).totpCode).toBe('123456');
  });
});

describe('linkOutcome', () => {
  const before = link();

  it('retries when the answer is the link form with a notice', () => {
    const after: AppView = link({ notice: { kind: 'error', message: 'Wrong password.', code: 'invalid_credentials' } });
    expect(linkOutcome(before, after)).toBe('retry');
  });

  it('is done when the view moved on, came back without a notice, or did not change', () => {
    expect(linkOutcome(before, ready([ann]))).toBe('done');
    expect(linkOutcome(before, link())).toBe('done');
    expect(linkOutcome(before, before)).toBe('done');
  });
});

describe('switcherModel', () => {
  it('lists only the other signed-in accounts, with name and extension', () => {
    const model = switcherModel(ready([ann, maria, sam]), 'Ann Example');
    expect(model.others).toEqual([
      { accountId: 'a2', label: 'Switch to Maria Manager (210)' },
      { accountId: 'a3', label: 'Switch to sam' },
    ]);
    expect(model.signOutLabel).toBe('Sign out Ann Example');
    expect(model.showSignOutAll).toBe(true);
  });

  it('lists every account in the backend\'s order, marking the current one wherever it is', () => {
    const asAnn = switcherModel(ready([ann, maria, sam]), 'Ann Example');
    const asMaria = switcherModel({ ...ready([ann, maria, sam]), account: maria }, 'Maria Manager');
    const order = (m: typeof asAnn) => m.rows.map((r) => r.accountId);
    // Switching moves the mark, not the rows.
    expect(order(asAnn)).toEqual(['a1', 'a2', 'a3']);
    expect(order(asMaria)).toEqual(['a1', 'a2', 'a3']);
    expect(asMaria.rows.map((r) => r.current)).toEqual([false, true, false]);
    expect(asMaria.rows[0]).toEqual({
      accountId: 'a1',
      name: 'Ann Example',
      extension: '201',
      current: false,
      label: 'Switch to Ann Example (201)',
    });
    expect(asMaria.others.map((o) => o.accountId)).toEqual(['a1', 'a3']);
  });

  it('offers no switch and no "sign out of all" with a single account', () => {
    for (const signedIn of [[ann], []]) {
      expect(switcherModel(ready(signedIn), 'Ann Example')).toEqual({
        rows: [],
        others: [],
        signOutLabel: 'Sign out',
        showSignOutAll: false,
        differentAccountHelp: null,
      });
    }
  });

  it('lists an account once even if the backend repeats it', () => {
    expect(switcherModel(ready([ann, maria, maria]), 'Ann Example').others).toHaveLength(1);
  });

  it('offers "use a different account" only when the sign-in reached several accounts, saying what it does', () => {
    expect(switcherModel(ready([ann]), 'Ann Example').differentAccountHelp).toBeNull();
    expect(switcherModel({ ...ready([ann]), reaches_accounts: 2 }, 'Ann Example').differentAccountHelp).toBe(
      'The sign-in you used reaches 2 accounts: use another of them here instead of Ann Example, without signing in again.',
    );
    expect(differentAccountHelp(0, 'Ann Example')).toBeNull();
  });

  it('labels a switch button', () => {
    expect(switchLabel(maria)).toBe('Switch to Maria Manager (210)');
  });
});
