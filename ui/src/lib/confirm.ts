// Destructive actions ask once, in words that say what will happen. The question appears in
// place of the button that was clicked, with Cancel first (where the pointer is), so a
// double click cancels instead of acting, and nothing acts on the first click.

export interface ConfirmText {
  /** What will happen, as a question. */
  question: string;
  /** The button that does it. */
  confirm: string;
}

/**
 * "Sign out" on the ready screen: the current account, by name; `extension` is its number
 * ('' when it has none); `others`: the other accounts still signed in here.
 */
export function signOutConfirm(name: string, extension: string, others: number): ConfirmText {
  const line = extension.trim()
    ? ` Calls to extension ${extension.trim()} stop ringing on this computer until you sign in again.`
    : ' Its line stops on this computer until you sign in again.';
  return { question: `Sign out ${name}?${line}`, confirm: others > 0 ? `Sign out ${name}` : 'Sign out' };
}

/** "Sign out of all accounts": how many, and that every line stops. */
export function signOutAllConfirm(accounts: number): ConfirmText {
  return {
    question: `Sign out all ${accounts} accounts on this computer? None of their lines ring here until each signs in again.`,
    confirm: 'Sign out of all',
  };
}

/**
 * Removing a linked sign-in: which one, and what still signs you in. `loginEmails`: the
 * account's own sign-in emails; when the link's email is one of them, the provider may still
 * find the account by it, and the question says so instead of promising it no longer signs in.
 */
export function removeLinkConfirm(
  providerName: string,
  email: string | null,
  loginEmails: readonly string[] = [],
): ConfirmText {
  const which = email ? `${providerName} (${email})` : providerName;
  const stillMatches = email !== null && loginEmails.some((login) => login.trim().toLowerCase() === email.toLowerCase());
  return {
    question: stillMatches
      ? `Remove ${which}? The link goes, but ${email} is still your account's email, so ${providerName} may still sign you in with it. Your username and password still work.`
      : `Remove ${which}? It will no longer sign you in; your username and password still do.`,
    confirm: `Remove ${providerName}`,
  };
}

/** Signing out another device's session. */
export function signOutSessionConfirm(deviceName: string): ConfirmText {
  return {
    question: `Sign out ${deviceName}? It has to sign in again to use this account.`,
    confirm: 'Sign it out',
  };
}

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * How far to scroll the page down (px) so the question's buttons come into view (`need`: how far
 * their bottom is below the window's) without bringing the button that acts under the pointer
 * that asked: a second click of a double click must land on words, not on `danger`. When the whole
 * way would put it there, scroll less (the buttons show in part; the page still scrolls by hand).
 */
export function scrollKeepingPointerOff(need: number, pointer: { x: number; y: number } | null, danger: Box): number {
  if (need <= 0) return 0;
  if (!pointer || pointer.x < danger.left || pointer.x > danger.right) return need;
  const margin = 4;
  // Scrolled by s, `danger` spans [top - s, bottom - s]: the pointer is on it for s in
  // [top - y, bottom - y].
  const firstUnsafe = danger.top - pointer.y - margin;
  const lastUnsafe = danger.bottom - pointer.y + margin;
  if (need < firstUnsafe || need > lastUnsafe) return need;
  return Math.max(0, firstUnsafe);
}
