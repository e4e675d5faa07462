// Texts of the screens other than sign-in; the .svelte screens only render these.
import type { SipTransport } from '../bindings/SipTransport';
import type { ViewOf } from './appView';

export const RESTORING_TEXT = 'Signing you in…';

export interface WaitingModel {
  heading: string;
  text: string;
  progress: string;
  authorizeUrl: string;
  /** No browser opened: the copy-link button is the way on, and takes focus. */
  noBrowser: boolean;
  /** The heading over "Copy sign-in link" when a browser did open; null when none did. */
  linkHeading: string | null;
}

export const NO_BROWSER_TEXT =
  'No browser could be opened on this computer. Copy the sign-in link and open it in a browser.';

export function waitingModel(view: ViewOf<'waiting_for_browser'>): WaitingModel {
  const provider = view.provider_name.trim() || 'your provider';
  const progress = 'Waiting for you to finish signing in…';
  if (!view.browser_opened) {
    return {
      heading: `Sign in with ${provider} in a browser`,
      text: `${NO_BROWSER_TEXT} This window updates when you're done.`,
      progress,
      authorizeUrl: view.authorize_url,
      noBrowser: true,
      linkHeading: null,
    };
  }
  return {
    heading: 'Continue in your browser',
    text: `Sign in with ${provider} in the browser window that opened. This window updates when you're done.`,
    progress,
    authorizeUrl: view.authorize_url,
    noBrowser: false,
    linkHeading: "Browser didn't open?",
  };
}

export interface ReadyModel {
  name: string;
  extension: string;
  server: string;
  transport: string;
  organization: string;
  username: string;
}

const TRANSPORTS: Record<SipTransport, string> = { udp: 'UDP', tcp: 'TCP', tls: 'TLS' };

export function transportLabel(transport: SipTransport): string {
  return TRANSPORTS[transport] ?? String(transport).toUpperCase();
}

export function readyModel(view: ViewOf<'ready'>): ReadyModel {
  const { account, phone } = view;
  const name =
    [account.display_name, phone.display_name, account.username].map((s) => s.trim()).find((s) => s) ??
    'Signed in';
  const extension = phone.extension.trim() || account.extension.trim();
  return {
    name,
    extension: extension ? `Extension ${extension}` : 'No extension',
    server: phone.sip_domain,
    transport: transportLabel(phone.transport),
    organization: account.organization_name,
    username: account.username,
  };
}

export interface StepModel {
  heading: string;
  message: string;
}

export function stepModel(view: ViewOf<'step_not_supported'>): StepModel {
  return {
    heading: "Can't finish signing in here",
    message: view.message.trim() || 'Your organization asked for a sign-in step this version cannot take yet.',
  };
}
