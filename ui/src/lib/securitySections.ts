// The security settings' sections: which one is open (one at a time), where the last
// action's answer is shown (in the section it came from), and how long the user's "Confirm
// it's you" still holds. SecurityScreen.svelte renders these.
import type { SecurityOverview } from '../bindings/SecurityOverview';
import { linkedProviderItems, plural, warningTexts } from './security';

export const SECTION_KEYS = ['providers', 'authenticator', 'password', 'emails', 'sessions'] as const;
export type SectionKey = (typeof SECTION_KEYS)[number];

export const SECTION_TITLES: Record<SectionKey, string> = {
  providers: 'Linked sign-ins',
  authenticator: 'Authenticator app',
  password: 'Password',
  emails: 'Emails',
  sessions: "Where you're signed in",
};

/** A click on a section's heading: it opens (closing the open one), or closes when open. */
export function toggleSection(open: SectionKey | null, clicked: SectionKey): SectionKey | null {
  return open === clicked ? null : clicked;
}

export interface SectionSummary {
  text: string;
  /** Something the user should look at (e.g. a shared login email). */
  warn: boolean;
}

/** What a closed section's heading says of its content, so the page reads well closed. */
export function sectionSummary(key: SectionKey, overview: SecurityOverview): SectionSummary {
  switch (key) {
    case 'providers': {
      const names = [...new Set(linkedProviderItems(overview.linked_providers).map((item) => item.providerName))];
      return { text: names.length === 0 ? 'None linked' : names.join(', '), warn: false };
    }
    case 'authenticator':
      return { text: overview.authenticator.enabled ? 'On' : 'Off', warn: false };
    case 'password':
      return { text: 'Change your password', warn: false };
    case 'emails': {
      const warnings = warningTexts(overview.warnings).length;
      return warnings > 0
        ? { text: plural(warnings, 'warning', 'warnings'), warn: true }
        : { text: plural(overview.emails.length, 'email', 'emails'), warn: false };
    }
    case 'sessions':
      return { text: plural(overview.sessions.length, 'session', 'sessions'), warn: false };
  }
}

/**
 * The section open when the settings open: Emails when it has warnings (risky associations are
 * shown, not hidden), else none, so the page starts as a short list of headings.
 */
export function defaultSection(overview: SecurityOverview): SectionKey | null {
  return warningTexts(overview.warnings).length > 0 ? 'emails' : null;
}

/**
 * Seconds the confirmation still holds, counted down on this computer from what the portal
 * said (`confirmedFor`) when the view arrived (`receivedAtMs`), both as `Date.now()`.
 */
export function confirmedSecondsLeft(confirmedFor: number, receivedAtMs: number, nowMs: number): number {
  const elapsed = Math.max(0, Math.floor((nowMs - receivedAtMs) / 1000));
  return Math.max(0, confirmedFor - elapsed);
}

/**
 * What the screen remembers while it is away (the browser opened to add a sign-in, and the
 * settings come back with its answer): the open section and the section the last action
 * came from. Forgotten when the settings close. In memory only; never a password.
 */
export interface SectionMemory {
  open: SectionKey | null;
  /** `hidden`: the last answer belonged to a section the user has since left. */
  noticeIn: NoticePlace;
}

/** Where the view's notice shows: in a section, `null` at the top, or `hidden`. */
export type NoticePlace = SectionKey | 'hidden' | null;

/**
 * After the user opened or closed a section: an answer shown in a section goes with it (it is
 * not moved to the top, out of place); one at the top stays.
 */
export function noticeAfterToggle(noticeIn: NoticePlace): NoticePlace {
  return noticeIn === null ? null : 'hidden';
}

export const sectionMemory: SectionMemory = { open: null, noticeIn: null };

export function forgetSections(memory: SectionMemory = sectionMemory): void {
  memory.open = null;
  memory.noticeIn = null;
}

/** Why a section asks the user to confirm it's them, said above the fields. */
export const STEP_UP_PURPOSE: Record<SectionKey, string> = {
  providers: "To add or remove a sign-in, confirm it's you.",
  authenticator: "To turn the authenticator app on or off or make new recovery codes, confirm it's you.",
  password: "To change your password, confirm it's you.",
  emails: "To add a notification email, confirm it's you.",
  sessions: "To sign out another session, confirm it's you.",
};

export const STEP_UP_ONCE = "You're asked once: it then holds for five minutes, in every section.";
