// Texts and pure logic of the multi-account screens: the chooser, the link form, the ready
// screen's account switcher and the sign-in screen's way back. The .svelte files only render these.
import type { AccountChoice } from '../bindings/AccountChoice';
import type { AccountSummary } from '../bindings/AccountSummary';
import type { AppView } from '../bindings/AppView';
import type { ViewOf } from './appView';

/** The name people know an account by: its display name, else its username. */
export function accountName(account: Pick<AccountSummary, 'display_name' | 'username'>): string {
  return account.display_name.trim() || account.username.trim() || 'your account';
}

export function extensionText(extension: string): string {
  const trimmed = extension.trim();
  return trimmed ? `Extension ${trimmed}` : 'No extension';
}

function providerOrDefault(providerName: string): string {
  return providerName.trim() || 'your provider';
}

// ---- Sign-in screen: the way back to the account still signed in -------------------------

/** `#back-to-account`, shown while another account is still signed in here. */
export function backToLabel(account: AccountSummary): string {
  return `Back to ${accountName(account)}`;
}

// ---- Chooser --------------------------------------------------------------------------------

export interface ChooserOption {
  accountId: string;
  /** The radio's id: end-to-end tests click `#choose-{account_id}`. */
  inputId: string;
  name: string;
  extension: string;
  organization: string;
  /** The line under the name: "Extension 201 · Acme". */
  meta: string;
  /** Said next to an account reached through a shared or group address. */
  sharedNote: string | null;
  /** "Use a different account": the account in use now, which choosing it again keeps. */
  inUse: boolean;
}

export interface ChooserModel {
  heading: string;
  text: string;
  legend: string;
  options: ChooserOption[];
  /** Preselected: the remembered account when it is listed, else the first one. */
  initialAccountId: string | null;
  /** "Remember my choice" starts ticked when a choice was remembered. */
  initialRemember: boolean;
  sharedEmailNote: string | null;
  rememberLabel: string;
  progress: string;
}

export const SHARED_EMAIL_NOTE =
  'Your email address is shared by several accounts (a shared or group address). Make sure you pick your own.';

export function chooserOption(account: AccountChoice, inUseId: string | null = null): ChooserOption {
  const extension = extensionText(account.extension);
  const organization = account.organization_name.trim();
  return {
    accountId: account.account_id,
    inputId: `choose-${account.account_id}`,
    name: account.display_name.trim() || 'Unnamed account',
    extension,
    organization,
    meta: organization ? `${extension} · ${organization}` : extension,
    sharedNote: account.reached_through_shared_email ? 'Shared email address' : null,
    inUse: account.account_id === inUseId,
  };
}

/** The chooser's words after "Use a different account": the chosen account replaces this one. */
function inPlaceOfText(inPlaceOf: AccountSummary): string {
  const name = accountName(inPlaceOf);
  const extension = inPlaceOf.extension.trim();
  const stops = extension ? ` and calls to ${extension} stop ringing here` : '';
  return `Choose the account to use here instead of ${name}. Once you continue, ${name} is signed out on this computer${stops}.`;
}

export function chooserModel(view: ViewOf<'choose_account'>): ChooserModel {
  const inPlaceOf = view.in_place_of;
  const options = view.accounts.map((account) => chooserOption(account, inPlaceOf?.account_id ?? null));
  const remembered = options.find((o) => o.accountId === view.remembered_account_id);
  // Switching: another account than the one in use is what the user came for.
  const preselected = inPlaceOf ? options.find((o) => !o.inUse) : remembered;
  let text: string;
  if (options.length === 0) text = 'Your sign-in reaches no phone account you can use here.';
  else if (inPlaceOf) text = inPlaceOfText(inPlaceOf);
  else text = 'Your sign-in reaches more than one phone account. Which one do you want to use here?';
  return {
    heading: inPlaceOf ? 'Use a different account' : 'Choose an account',
    text,
    legend: 'Phone accounts',
    options,
    initialAccountId: preselected?.accountId ?? options[0]?.accountId ?? null,
    initialRemember: view.remembered_account_id !== null,
    sharedEmailNote: view.shared_email ? SHARED_EMAIL_NOTE : null,
    rememberLabel: 'Remember my choice',
    progress: inPlaceOf ? 'Switching accounts…' : 'Signing you in…',
  };
}

/** The selected account: the user's pick while it is still listed, else the preselected one. */
export function selectedAccount(model: ChooserModel, picked: string | null): string | null {
  if (picked !== null && model.options.some((o) => o.accountId === picked)) return picked;
  return model.initialAccountId;
}

// ---- Link form --------------------------------------------------------------------------------

export interface LinkModel {
  heading: string;
  /** Why the identity has to be linked (the sentence comes from Rust). */
  reason: string;
  /** What to do about it. */
  instruction: string;
}

export function linkModel(view: ViewOf<'link_account'>): LinkModel {
  const provider = providerOrDefault(view.provider_name);
  return {
    heading: 'Link your sign-in',
    reason: view.reason_text,
    instruction: `Enter your phone account's username and password once to link them. Next time ${provider} signs you in directly.`,
  };
}

export interface LinkForm {
  username: string;
  password: string;
  code: string;
}

export type LinkField = keyof LinkForm;

export interface LinkFormProblem {
  message: string;
  /** The first field to fix; it takes focus. */
  field: LinkField;
  /** Every field the message is about (`aria-invalid`). */
  invalid: LinkField[];
}

/** Client-side check before anything goes to the backend: username and password are required. */
export function validateLinkForm(form: LinkForm): LinkFormProblem | null {
  const noUsername = !form.username.trim();
  const noPassword = !form.password;
  if (noUsername && noPassword) {
    return { message: 'Enter your username and password.', field: 'username', invalid: ['username', 'password'] };
  }
  if (noUsername) return { message: 'Enter your username.', field: 'username', invalid: ['username'] };
  if (noPassword) return { message: 'Enter your password.', field: 'password', invalid: ['password'] };
  return null;
}

export interface LinkArgs {
  username: string;
  password: string;
  totpCode: string | null;
}

/** What `link_account` gets: the username trimmed, the password as typed, no code when blank. */
export function linkArgs(form: LinkForm): LinkArgs {
  const code = form.code.replace(/\s+/g, '');
  return { username: form.username.trim(), password: form.password, totpCode: code || null };
}

/**
 * After a link attempt: `retry` when the answer is the link form again with a notice (wrong
 * password, rate limit): the form then clears the password and code and focuses the password.
 * `before` is the view the attempt started on; an unchanged view means nothing was answered.
 */
export function linkOutcome(before: AppView, after: AppView): 'retry' | 'done' {
  if (after === before || after.screen !== 'link_account' || !after.notice) return 'done';
  return 'retry';
}

// ---- Ready screen: the account switcher --------------------------------------------------------

export interface SwitchTarget {
  accountId: string;
  /** The button's text, e.g. "Switch to Maria Manager (210)". */
  label: string;
}

/** A row of the account list: every account signed in here, the current one included. */
export interface AccountRow {
  accountId: string;
  name: string;
  /** The extension alone ("210"), or "" without one. */
  extension: string;
  /** The account on screen: marked, not a button. */
  current: boolean;
  /** What choosing the row does, for screen readers: "Switch to Maria Manager (210)". */
  label: string;
}

export interface SwitcherModel {
  /**
   * Every account signed in here, in the order they were added (the backend's order, kept the
   * same on every screen): switching does not reorder them, it moves the mark.
   */
  rows: AccountRow[];
  /** The other accounts signed in here (not the current one), in the same order. */
  others: SwitchTarget[];
  signOutLabel: string;
  /** "Sign out of all accounts" only makes sense with more than one account. */
  showSignOutAll: boolean;
  /**
   * What "Use a different account" does, or `null` when it has nothing to offer: only a sign-in
   * that reached several accounts (through the chooser) can choose another of them.
   */
  differentAccountHelp: string | null;
}

/**
 * Under "Use a different account": what it does (the chosen account replaces this one here).
 * `null` when the sign-in reached one account.
 */
export function differentAccountHelp(reachesAccounts: number, currentName: string): string | null {
  if (reachesAccounts <= 1) return null;
  return `The sign-in you used reaches ${reachesAccounts} accounts: use another of them here instead of ${currentName}, without signing in again.`;
}

export function switchLabel(account: AccountSummary): string {
  const extension = account.extension.trim();
  return extension ? `Switch to ${accountName(account)} (${extension})` : `Switch to ${accountName(account)}`;
}

export function switcherModel(view: ViewOf<'ready'>, currentName: string): SwitcherModel {
  const current = view.account.account_id;
  const seen = new Set<string>();
  const rows: AccountRow[] = [];
  for (const account of view.signed_in) {
    if (seen.has(account.account_id)) continue;
    seen.add(account.account_id);
    rows.push({
      accountId: account.account_id,
      name: accountName(account),
      extension: account.extension.trim(),
      current: account.account_id === current,
      label: switchLabel(account),
    });
  }
  const others = rows.filter((row) => !row.current).map(({ accountId, label }) => ({ accountId, label }));
  return {
    // One account alone needs no list.
    rows: others.length > 0 ? rows : [],
    others,
    signOutLabel: others.length > 0 ? `Sign out ${currentName}` : 'Sign out',
    showSignOutAll: others.length > 0,
    differentAccountHelp: differentAccountHelp(view.reaches_accounts, currentName),
  };
}
