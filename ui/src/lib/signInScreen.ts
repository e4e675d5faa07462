// Pure logic of the sign-in screen: SignInScreen.svelte only renders what this computes.
import type { PortalStatus } from '../bindings/PortalStatus';
import type { ProviderKind } from '../bindings/ProviderKind';
import type { EmailAnswer } from './appView';
import type { Backend } from './bridge';
import { errorCode, errorMessage } from './errors';

export const APP_NAME = 'Switchboard';

export type BuiltInKind = Exclude<ProviderKind, 'oidc'>;

export interface ProviderButton {
  /** Sent to the portal as `provider=`; rendered as `data-provider`. */
  id: string;
  kind: ProviderKind;
  /** Provider name as users know it, e.g. "Google" or the company's IdP name. */
  name: string;
  label: string;
}

export type PortalState = 'checking' | 'reachable' | 'unreachable';

export interface PortalLine {
  state: PortalState;
  text: string;
  /** Offer "Retry" (only when unreachable). */
  canRetry: boolean;
  /** Link to the operator's status page, when the portal gave one. */
  statusPageUrl: string | null;
}

export interface SignInScreenModel {
  portalName: string;
  buttons: ProviderButton[];
  portal: PortalLine;
}

/** Portal status with the stable error code kept for support when the call itself failed. */
export type LoadedPortalStatus = PortalStatus & { errorCode?: string | null };

const BUILT_IN: ReadonlyArray<{ kind: BuiltInKind; name: string }> = [
  { kind: 'google', name: 'Google' },
  { kind: 'microsoft', name: 'Microsoft' },
  { kind: 'apple', name: 'Apple' },
];

export function portalName(status: PortalStatus | undefined): string {
  return status?.state === 'reachable' ? status.options.portal_name : APP_NAME;
}

/**
 * Google, Microsoft and Apple always (with the portal's ids when it lists them), then the
 * OpenID Connect providers the portal shows to everyone, in its order. An organization's own
 * provider is usually not among them: its users find it with "Continue with work email".
 */
export function providerButtons(status: PortalStatus | undefined): ProviderButton[] {
  const listed = status?.state === 'reachable' ? status.options.providers : [];
  const buttons: ProviderButton[] = BUILT_IN.map(({ kind, name }) => ({
    id: listed.find((p) => p.kind === kind)?.id ?? kind,
    kind,
    name,
    label: `Sign in with ${name}`,
  }));
  const seen = new Set(buttons.map((b) => b.id));
  for (const p of listed) {
    if (p.kind !== 'oidc' || seen.has(p.id)) continue;
    seen.add(p.id);
    const name = p.display_name.trim() || p.id;
    buttons.push({ id: p.id, kind: 'oidc', name, label: `Sign in with ${name}` });
  }
  return buttons;
}

export function portalLine(status: PortalStatus | undefined): PortalLine {
  if (status === undefined) {
    return { state: 'checking', text: 'Checking the portal…', canRetry: false, statusPageUrl: null };
  }
  if (status.state === 'reachable') {
    return {
      state: 'reachable',
      text: `Connected to ${status.options.portal_name}`,
      canRetry: false,
      statusPageUrl: null,
    };
  }
  return {
    state: 'unreachable',
    text: `Can't reach the portal: ${status.message}`,
    canRetry: true,
    statusPageUrl: status.status_page_url,
  };
}

export function signInScreenModel(status: PortalStatus | undefined): SignInScreenModel {
  return {
    portalName: portalName(status),
    buttons: providerButtons(status),
    portal: portalLine(status),
  };
}

/** Asks the backend for the portal's status; a failed call becomes "unreachable". */
export async function loadPortalStatus(backend: Backend): Promise<LoadedPortalStatus> {
  try {
    return await backend.portalStatus();
  } catch (error) {
    return {
      state: 'unreachable',
      message: errorMessage(error),
      status_page_url: null,
      errorCode: errorCode(error),
    };
  }
}

// ---- Username + password ------------------------------------------------------------------

export interface PasswordSignInForm {
  username: string;
  password: string;
}

export type PasswordSignInField = keyof PasswordSignInForm;

export interface PasswordSignInProblem {
  /** Shown in `#sign-in-notice`. */
  message: string;
  /** The first field to fix; it takes focus. */
  field: PasswordSignInField;
  /** Every field the message is about (`aria-invalid`). */
  invalid: PasswordSignInField[];
}

/** Client-side check before anything goes to the backend: username and password are required. */
export function validatePasswordSignIn(form: PasswordSignInForm): PasswordSignInProblem | null {
  const noUsername = !form.username.trim();
  const noPassword = !form.password;
  if (noUsername && noPassword) {
    return { message: 'Enter your username and password.', field: 'username', invalid: ['username', 'password'] };
  }
  if (noUsername) return { message: 'Enter your username or email.', field: 'username', invalid: ['username'] };
  if (noPassword) return { message: 'Enter your password.', field: 'password', invalid: ['password'] };
  return null;
}

/** Progress while `sign_in_with_password` runs. */
export const PASSWORD_SIGN_IN_PROGRESS = 'Signing you in…';

/** Progress while `start_sign_in` runs (the app opens the system browser). */
export function openingBrowserText(providerName: string): string {
  return `Opening your browser to sign in with ${providerName}…`;
}

// ---- Continue with work email ---------------------------------------------------------------

/** Progress while `start_email_sign_in` runs. */
export const EMAIL_SIGN_IN_PROGRESS = 'Finding how your organization signs in…';

/** Client-side check before the portal is asked: something shaped like an address. */
export function validateWorkEmail(email: string): string | null {
  const trimmed = email.trim();
  if (!trimmed) return 'Enter your work email.';
  const at = trimmed.lastIndexOf('@');
  const domain = trimmed.slice(at + 1);
  if (at < 1 || /\s/.test(trimmed) || !domain.includes('.') || domain.startsWith('.') || domain.endsWith('.')) {
    return 'Enter your work email address, such as name@company.com.';
  }
  return null;
}

export interface EmailAnswerModel {
  /** Shown under the field (`#email-notice`). */
  message: string;
  kind: 'info' | 'error';
  /** The domain's providers to choose from; each starts with `loginHint`. */
  choices: ProviderButton[];
  loginHint: string | null;
  /**
   * No single sign-on for the domain and password sign-in is on: the username field takes the
   * email and the password field takes focus.
   */
  usePassword: boolean;
}

/** What the sign-in screen shows for an answer of "Continue with work email". */
export function emailAnswerModel(answer: EmailAnswer): EmailAnswerModel {
  switch (answer.next) {
    case 'choose_provider':
      return {
        message: answer.message,
        kind: 'info',
        choices: answer.providers.map((p) => {
          const name = p.display_name.trim() || p.id;
          return { id: p.id, kind: p.kind, name, label: `Continue with ${name}` };
        }),
        loginHint: answer.email,
        usePassword: false,
      };
    case 'no_single_sign_on':
      return { message: answer.message, kind: 'info', choices: [], loginHint: null, usePassword: answer.password_sign_in };
    case 'error':
      return { message: answer.message, kind: 'error', choices: [], loginHint: null, usePassword: false };
  }
}
