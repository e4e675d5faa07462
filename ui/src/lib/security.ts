// Texts and pure logic of the security settings (`security` view): the QR code, the
// authenticator's state, linked providers, emails, sessions and the password form.
// SecurityScreen.svelte and its sections only render these.
import type { AccountEmail } from '../bindings/AccountEmail';
import type { AuthenticatorStatus } from '../bindings/AuthenticatorStatus';
import type { LinkedProvider } from '../bindings/LinkedProvider';
import type { ProviderKind } from '../bindings/ProviderKind';
import type { ProviderOption } from '../bindings/ProviderOption';
import type { QrCode } from '../bindings/QrCode';
import type { SecurityWarning } from '../bindings/SecurityWarning';
import type { SessionInfo } from '../bindings/SessionInfo';
import type { CopyLinkState } from './copyLink';

/** "1 account", "3 accounts". */
export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

function sentenceStart(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ---- QR code ------------------------------------------------------------------------------

/** Light modules around the code, as the QR specification asks, so scanners find its edges. */
export const QR_QUIET_ZONE = 4;

export interface QrModel {
  /** `0 0 n n`: the code plus the quiet zone on each side, one unit per module. */
  viewBox: string;
  /** Modules per side including the quiet zone. */
  extent: number;
  /** Every dark module, already shifted by the quiet zone. */
  modules: Array<{ x: number; y: number }>;
  /** The dark modules as one path, a unit square each. */
  path: string;
}

/** Draws `qr` (row by row, `1` dark) without trusting its rows to be exactly `size` long. */
export function qrModel(qr: QrCode): QrModel {
  const size = Math.max(0, Math.floor(qr.size));
  const extent = size + 2 * QR_QUIET_ZONE;
  const modules: Array<{ x: number; y: number }> = [];
  for (let y = 0; y < size; y++) {
    const row = qr.rows[y] ?? '';
    for (let x = 0; x < size; x++) {
      if (row[x] === '1') modules.push({ x: x + QR_QUIET_ZONE, y: y + QR_QUIET_ZONE });
    }
  }
  return {
    viewBox: `0 0 ${extent} ${extent}`,
    extent,
    modules,
    path: modules.map(({ x, y }) => `M${x} ${y}h1v1h-1z`).join(''),
  };
}

// ---- Authenticator app ------------------------------------------------------------------------

export function authenticatorStatusText(status: AuthenticatorStatus): string {
  if (!status.enabled) return 'Off';
  return `On — ${plural(status.recovery_codes_left, 'recovery code', 'recovery codes')} left`;
}

/** The secret in blocks of four, easier to type by hand: "JBSW Y3DP EHPK 3PXP". */
export function groupSecret(secret: string): string {
  const compact = secret.replace(/\s+/g, '');
  return compact.match(/.{1,4}/g)?.join(' ') ?? '';
}

export interface PasswordAndCodeForm {
  password: string;
  code: string;
}

export type PasswordAndCodeField = keyof PasswordAndCodeForm;

export interface FormProblem<F extends string> {
  message: string;
  /** The first field to fix; it takes focus. */
  field: F;
  /** Every field the message is about (`aria-invalid`). */
  invalid: F[];
}

/** Turning the authenticator on, off or making new recovery codes: both fields are required. */
export function validatePasswordAndCode(form: PasswordAndCodeForm): FormProblem<PasswordAndCodeField> | null {
  const noCode = !form.code.trim();
  const noPassword = !form.password;
  if (noCode && noPassword) {
    return { message: 'Enter the code and your password.', field: 'code', invalid: ['code', 'password'] };
  }
  if (noCode) return { message: 'Enter the 6-digit code from your authenticator app.', field: 'code', invalid: ['code'] };
  if (noPassword) return { message: 'Enter your current password.', field: 'password', invalid: ['password'] };
  return null;
}

/** The code as sent: without spaces ("123 456" -> "123456"). */
export function codeArg(code: string): string {
  return code.replace(/\s+/g, '');
}

// ---- Recovery codes -----------------------------------------------------------------------------

/** What "copy" puts on the clipboard: one code a line. */
export function recoveryCodesText(codes: readonly string[]): string {
  return codes.join('\n');
}

export const RECOVERY_CODES_NOTE =
  "Each code works once, for when you don't have your authenticator app. They are shown only now: copy or save them and keep them somewhere safe.";

export function recoveryCopyFeedback(state: CopyLinkState): string {
  switch (state.status) {
    case 'copied':
      return 'Recovery codes copied.';
    case 'failed':
      return "Couldn't copy the codes. They're selected below: copy them yourself.";
    default:
      return '';
  }
}

/** Said before the save dialog opens: the file is as good as the authenticator. */
export const SAVE_CODES_WARNING =
  'These codes each sign in once in place of your authenticator. Keep the file somewhere only you can reach, or print it and delete it.';

/** What "Save to a file" ended with: the file's path, or `null` when the dialog was cancelled. */
export function savedToText(path: string | null): string {
  if (path === null) return 'Not saved: no file was chosen. The codes are still here to copy or save.';
  return `Saved to ${path}. Only you can open it on this computer.`;
}

// ---- Linked providers -----------------------------------------------------------------------------

export interface LinkedProviderItem {
  linkId: string;
  providerName: string;
  email: string | null;
  /** Which identity this is, e.g. "Google (ann@example.com)": said when it was removed. */
  name: string;
  /** The Remove button's accessible name: which identity it removes. */
  removeLabel: string;
}

export function linkedProviderItems(links: readonly LinkedProvider[]): LinkedProviderItem[] {
  return links.map((link) => {
    const providerName = link.provider_name.trim() || link.provider_id;
    const email = link.email?.trim() || null;
    const name = email ? `${providerName} (${email})` : providerName;
    return { linkId: link.link_id, providerName, email, name, removeLabel: `Remove ${name}` };
  });
}

export interface AddProviderButton {
  id: string;
  kind: ProviderKind;
  name: string;
  label: string;
}

/** Every provider, linked or not: one provider can be linked with several identities. */
export function addProviderButtons(providers: readonly ProviderOption[]): AddProviderButton[] {
  const seen = new Set<string>();
  const buttons: AddProviderButton[] = [];
  for (const provider of providers) {
    if (seen.has(provider.id)) continue;
    seen.add(provider.id);
    const name = provider.display_name.trim() || provider.id;
    buttons.push({ id: provider.id, kind: provider.kind, name, label: `Add ${name}` });
  }
  return buttons;
}

export const LINKED_PROVIDERS_NOTE =
  'Removing a sign-in only unlinks it from this account. You can add it again at any time.';

// ---- Emails -------------------------------------------------------------------------------------

export interface EmailItem {
  email: string;
  login: boolean;
  badge: 'Login' | 'Notification only';
  /** A notification email waiting for the code mailed to it: it receives nothing yet. */
  waiting: boolean;
  /** The code field's label: which address it confirms. */
  codeLabel: string;
  /** For a login email other accounts sign in with too (a shared or group address). */
  sharedNote: string | null;
  /** Only notification emails can be removed here. */
  removable: boolean;
  removeLabel: string;
}

export function emailItems(emails: readonly AccountEmail[]): EmailItem[] {
  return emails.map((entry) => {
    const login = entry.purpose === 'login';
    return {
      email: entry.email,
      login,
      badge: login ? 'Login' : 'Notification only',
      waiting: !login && !entry.confirmed,
      codeLabel: `Code sent to ${entry.email}`,
      sharedNote:
        login && entry.also_login_email_of > 0
          ? `Also signs in to ${plural(entry.also_login_email_of, 'other account', 'other accounts')} (a shared or group address)`
          : null,
      removable: !login,
      removeLabel: `Remove ${entry.email}`,
    };
  });
}

/** A warning in words; `null` for a kind this version does not know. */
export function warningText(warning: SecurityWarning): string | null {
  switch (warning.kind) {
    case 'several_login_emails':
      return `${warning.count} emails can sign in to this account. If one is not yours, ask your office manager to remove it.`;
    case 'shared_login_email':
      return `${warning.email} also signs in to ${plural(warning.other_accounts, 'other account', 'other accounts')}, so whoever reads it can choose this account too. Ask your office manager to give each person their own address, or to remove it from this account.`;
    default:
      return null;
  }
}

export function warningTexts(warnings: readonly SecurityWarning[]): string[] {
  return warnings.map(warningText).filter((text): text is string => text !== null);
}

export const NOTIFICATION_EMAIL_NOTE =
  "Notification emails receive copies, such as voicemail. They can't be used to sign in. We send a code to a new address first: it receives nothing until you enter it here.";

export const WAITING_FOR_CONFIRMATION = 'Waiting for confirmation';

/** The code mailed to a new notification email: six digits, spaces allowed. */
export function validateEmailCode(code: string): string | null {
  return /^\d{6}$/.test(code.replace(/\s+/g, '')) ? null : 'Enter the 6-digit code from the message we sent.';
}

/** Client-side check of the "add a notification email" field. */
export function validateNotificationEmail(email: string): string | null {
  const trimmed = email.trim();
  if (!trimmed) return 'Enter an email address.';
  const at = trimmed.indexOf('@');
  if (at < 1 || at === trimmed.length - 1 || /\s/.test(trimmed)) return 'Enter a valid email address, like name@example.com.';
  return null;
}

/** Whether `email` is now listed (the add worked): the field can be emptied. */
export function emailListed(emails: readonly AccountEmail[], email: string): boolean {
  const wanted = email.trim().toLowerCase();
  return emails.some((entry) => entry.email.trim().toLowerCase() === wanted);
}

// ---- Sessions ----------------------------------------------------------------------------------

const SECOND_FACTORS: Record<string, string> = {
  totp: 'authenticator',
  recovery_code: 'a recovery code',
};

/**
 * A session's sign-in method for people: "password" -> "Password", "password+totp" ->
 * "Password and authenticator", "sso:google" -> "Google" (the provider's display name),
 * "sso:google+recovery_code" -> "Google and a recovery code".
 */
export function methodLabel(method: string, providers: readonly ProviderOption[]): string {
  const [first = '', ...rest] = method.trim().split('+');
  let label: string;
  if (first === 'password') {
    label = 'Password';
  } else if (first.startsWith('sso:')) {
    const id = first.slice('sso:'.length);
    const name = providers.find((p) => p.id === id)?.display_name.trim();
    label = name || sentenceStart(id) || 'A sign-in provider';
  } else {
    label = sentenceStart(first) || 'Unknown';
  }
  for (const factor of rest) {
    if (factor) label += ` and ${SECOND_FACTORS[factor] ?? factor}`;
  }
  return label;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A date as this computer's locale writes it, e.g. "5 Mar 2025". */
export function localDate(date: Date): string {
  return date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/**
 * "Last used …" from Unix seconds, relative to `nowMs` (milliseconds, as `Date.now()`): just
 * now, minutes, hours, yesterday, days up to a week, then the local date.
 */
export function lastUsedText(lastUsedAt: number, nowMs: number, formatDate: (date: Date) => string = localDate): string {
  const elapsed = Math.floor(nowMs / 1000) - lastUsedAt;
  // A clock a little ahead of ours says "just now", not "in 2 minutes".
  if (elapsed < MINUTE) return 'Last used just now';
  if (elapsed < HOUR) return `Last used ${plural(Math.floor(elapsed / MINUTE), 'minute', 'minutes')} ago`;
  if (elapsed < DAY) return `Last used ${plural(Math.floor(elapsed / HOUR), 'hour', 'hours')} ago`;
  if (elapsed < 2 * DAY) return 'Last used yesterday';
  if (elapsed < 7 * DAY) return `Last used ${Math.floor(elapsed / DAY)} days ago`;
  return `Last used on ${formatDate(new Date(lastUsedAt * 1000))}`;
}

/** When a session signed in, as this computer's locale writes it: "30 Nov, 14:02" (the year too when it is not this one). */
export function localDateTime(date: Date, nowMs: number): string {
  const sameYear = date.getFullYear() === new Date(nowMs).getFullYear();
  return date.toLocaleString(undefined, {
    year: sameYear ? undefined : 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** The longest piece of a program's own description (its User-Agent) shown in a session's name. */
export const MAX_PROGRAM_CHARS = 40;

/**
 * The program a session signed in with, for people: the Switchboard app, the command line, or
 * another program by what it calls itself (untrusted text, cut short), or `null` when unknown.
 */
export function programLabel(session: Pick<SessionInfo, 'client' | 'user_agent'>): string | null {
  switch (session.client) {
    case 'app':
      return 'Switchboard app';
    case 'command_line':
      return 'Command line';
    default: {
      const said = (session.user_agent ?? '').trim();
      if (!said) return null;
      const chars = [...said];
      return chars.length > MAX_PROGRAM_CHARS ? `${chars.slice(0, MAX_PROGRAM_CHARS - 1).join('')}…` : said;
    }
  }
}

export interface SessionItem {
  sessionId: string;
  /** "Switchboard app on alice-laptop", "Command line on vm", or the device name alone. */
  title: string;
  deviceName: string;
  method: string;
  /** "Signed in 30 Nov, 14:02 from 127.0.0.1". */
  signedIn: string;
  /** "last used 5 minutes ago" (from another address: "… from 10.0.0.2"); `null` for this one, in use now. */
  lastUsed: string | null;
  /** Both, as shown: "Signed in 30 Nov, 14:02 from 127.0.0.1 · last used 5 minutes ago". */
  when: string;
  current: boolean;
  signOutLabel: string;
}

/**
 * The current session first (marked "This computer"), then the others in the portal's order; each
 * says which program on which device, how it signed in, when and from where, and when it was last
 * used.
 */
export function sessionItems(
  sessions: readonly SessionInfo[],
  providers: readonly ProviderOption[],
  nowMs: number,
  formatDate: (date: Date) => string = localDate,
  formatDateTime: (date: Date) => string = (date) => localDateTime(date, nowMs),
): SessionItem[] {
  const ordered = [...sessions.filter((s) => s.current), ...sessions.filter((s) => !s.current)];
  return ordered.map((session) => {
    const deviceName = session.device_name.trim() || 'Unknown device';
    const program = programLabel(session);
    const title = program ? `${program} on ${deviceName}` : deviceName;
    const from = session.signed_in_from?.trim() || null;
    const lastFrom = session.last_used_from?.trim() || null;
    let signedIn = `Signed in ${formatDateTime(new Date(session.created_at * 1000))}`;
    if (from) signedIn += ` from ${from}`;
    let lastUsed: string | null = null;
    if (!session.current) {
      const text = lastUsedText(session.last_used_at, nowMs, formatDate);
      lastUsed = text.charAt(0).toLowerCase() + text.slice(1);
      if (lastFrom && lastFrom !== from) lastUsed += ` from ${lastFrom}`;
    }
    return {
      sessionId: session.session_id,
      title,
      deviceName,
      method: methodLabel(session.auth_method, providers),
      signedIn,
      lastUsed,
      when: lastUsed ? `${signedIn} · ${lastUsed}` : signedIn,
      current: session.current,
      signOutLabel: `Sign out ${title}`,
    };
  });
}

// ---- Change password --------------------------------------------------------------------------

/** The portal's rule too: it refuses shorter passwords. */
export const MIN_PASSWORD_LENGTH = 10;

export interface ChangePasswordForm {
  next: string;
  confirm: string;
}

export type ChangePasswordField = keyof ChangePasswordForm;

/**
 * Client-side check of a new password (the user confirmed it's them already): both fields, long
 * enough, typed the same twice.
 */
export function validateChangePassword(form: ChangePasswordForm): FormProblem<ChangePasswordField> | null {
  if (!form.next && !form.confirm) {
    return { message: 'Enter a new password, twice.', field: 'next', invalid: ['next', 'confirm'] };
  }
  if (!form.next) return { message: 'Enter a new password.', field: 'next', invalid: ['next'] };
  // Characters as the portal counts them (code points), not UTF-16 units.
  if ([...form.next].length < MIN_PASSWORD_LENGTH) {
    return {
      message: `The new password must have at least ${MIN_PASSWORD_LENGTH} characters.`,
      field: 'next',
      invalid: ['next'],
    };
  }
  if (!form.confirm) return { message: 'Enter the new password again.', field: 'confirm', invalid: ['confirm'] };
  if (form.next !== form.confirm) {
    return { message: "The new passwords don't match.", field: 'confirm', invalid: ['next', 'confirm'] };
  }
  return null;
}

// ---- Confirm it's you (step-up) ---------------------------------------------------------------

/** What a section says while the user's confirmation holds (`seconds` > 0). */
export function confirmedText(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return `Confirmed it's you for ${plural(minutes, 'more minute', 'more minutes')}.`;
}

/** The password is required; the code too when the authenticator app is on. */
export function validateConfirmIdentity(
  form: PasswordAndCodeForm,
  authenticatorOn: boolean,
): FormProblem<PasswordAndCodeField> | null {
  if (authenticatorOn) return validatePasswordAndCode(form);
  if (!form.password) return { message: 'Enter your current password.', field: 'password', invalid: ['password'] };
  return null;
}

// ---- The screen's callbacks ----------------------------------------------------------------------

/**
 * What the security screen asks of the app (App.svelte wires these to the controller). Changes
 * to a credential take no password: the user confirmed it's them (`onConfirmIdentity`) in the
 * section, and the portal lets this session make them for five minutes.
 */
export interface SecurityActions {
  onClose: () => void;
  onStartSetup: () => Promise<void> | void;
  /** The actions below resolve once their answer is shown (the forms then clear their fields). */
  /** `code`: from the new authenticator app, proving it is set up right. */
  onConfirmAuthenticator: (code: string) => Promise<void> | void;
  onDisableAuthenticator: () => Promise<void> | void;
  onRegenerateRecoveryCodes: () => Promise<void> | void;
  /** Resolves to the saved file's path. */
  onSaveRecoveryCodes: (codes: readonly string[]) => Promise<string | null>;
  onAddProvider: (providerId: string) => Promise<void> | void;
  onRemoveProvider: (linkId: string, providerName: string) => Promise<void> | void;
  onAddEmail: (email: string) => Promise<void> | void;
  onRemoveEmail: (email: string) => Promise<void> | void;
  /** The code mailed to a notification email waiting for confirmation. */
  onConfirmEmail: (email: string, code: string) => Promise<void> | void;
  onSignOutSession: (sessionId: string, deviceName: string) => Promise<void> | void;
  onChangePassword: (newPassword: string) => Promise<void> | void;
  /** "Confirm it's you"; `code` is `null` when the authenticator app is off. */
  onConfirmIdentity: (password: string, code: string | null) => Promise<void> | void;
}

/**
 * After a form's answer (`answerCode`: the code of the notice it brought, `null` when it
 * succeeded): a rejected authenticator code keeps the password, which was not the problem, and
 * asks for the code again; anything else empties the form.
 */
export function keepPasswordAfter(answerCode: string | null | undefined): boolean {
  return answerCode === 'invalid_code';
}

/**
 * The password credential changes send: none. The user confirmed it's them in the settings, and
 * the portal lets this session make them for five minutes (it answers `confirmation_required`
 * otherwise), so the window never keeps a password to send again.
 */
export const NO_PASSWORD = '';
