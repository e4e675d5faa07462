// Texts of the screens other than sign-in; the .svelte screens only render these.
import type { SipTransport } from '../bindings/SipTransport';
import type { ViewOf } from './appView';

export const RESTORING_TEXT = 'Signing you in…';

export interface WaitingModel {
  heading: string;
  text: string;
  progress: string;
  authorizeUrl: string;
}

export function waitingModel(view: ViewOf<'waiting_for_browser'>): WaitingModel {
  const provider = view.provider_name.trim() || 'your provider';
  return {
    heading: 'Continue in your browser',
    text: `Sign in with ${provider} in the browser window that opened. This window updates when you're done.`,
    progress: 'Waiting for you to finish signing in…',
    authorizeUrl: view.authorize_url,
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
