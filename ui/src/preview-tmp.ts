/* eslint-disable */
// TEMPORARY visual harness, deleted after use.
import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { mount, tick } from 'svelte';
import App from './App.svelte';
import { tauriBackend } from './lib/bridge';
import './app.css';

const s = new URLSearchParams(location.search).get('s') ?? 'signin';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ready = {
  screen: 'ready',
  account: { account_id: 'a', username: 'ann@acme.example', display_name: 'Ann Example', extension: '201', organization_name: 'Acme Corporation' },
  phone: { extension: '201', display_name: 'Ann', sip_domain: 'sip.acme.example', registrar: 'sip:sip.acme.example:5061', transport: 'tls' },
  notice: s === 'ready-notice' ? { kind: 'error', message: "Couldn't sign out: the portal did not answer. Try again in a minute.", code: 'portal.timeout' } : null,
};
const waiting = { screen: 'waiting_for_browser', provider_name: 'Google', authorize_url: 'https://portal.acme.example/v1/authorize?provider=google&state=abcdef0123456789&code_challenge=xyz' };
const log: string[] = [];
mockIPC(async (cmd, args) => {
  log.push(cmd + JSON.stringify(args ?? {}));
  if (cmd === 'app_info') return { portal_url: 'https://portal.acme.example', version: '0.1.0' };
  if (cmd === 'portal_status') return { state: 'reachable', options: { portal_name: 'Acme Phones', status_page_url: null, providers: [{ id: 'acme-sso', kind: 'oidc', display_name: 'Acme SSO' }], password_sign_in: true } };
  if (cmd === 'restore_session') {
    await sleep(300);
    if (s === 'restoring') await sleep(1e9);
    if (s === 'signin-error' || s === 'flow-fail') return { screen: 'sign_in', notice: { kind: 'error', message: 'Your session expired. Sign in again.', code: 'session.expired' } };
    if (s === 'signin-info') return { screen: 'sign_in', notice: { kind: 'info', message: 'You are signed out.', code: null } };
    if (s.startsWith('waiting')) return waiting;
    if (s.startsWith('ready')) return ready;
    if (s === 'step') return { screen: 'step_not_supported', message: 'Your account needs an authenticator code, which this version cannot ask for yet.' };
    return { screen: 'sign_in', notice: null };
  }
  if (cmd === 'start_sign_in') {
    await sleep(200);
    if (s === 'flow-fail') throw { code: 'browser.open_failed', message: "Couldn't open your browser. Check that a default browser is set." };
    if (s === 'flow-pending') await sleep(1e9);
    return waiting;
  }
  if (cmd === 'cancel_sign_in') return { screen: 'sign_in', notice: null };
  if (cmd === 'sign_out') return { screen: 'sign_in', notice: { kind: 'info', message: 'You are signed out.', code: null } };
  throw { code: 'x', message: 'unknown ' + cmd };
}, { shouldMockEvents: true });

mount(App, { target: document.getElementById('app')!, props: { backend: tauriBackend } });

const report = () => {
  document.body.dataset.active = (document.activeElement?.id || document.activeElement?.tagName || '') + ':' + (document.activeElement?.textContent ?? '').slice(0, 40);
  document.body.dataset.log = log.join(' | ');
};
(async () => {
  await sleep(800);
  if (s === 'flow' || s === 'flow-fail' || s === 'flow-pending') {
    (document.querySelector('button[data-provider="google"]') as HTMLButtonElement).click();
    await sleep(s === 'flow-pending' ? 100 : 500);
    if (s === 'flow') {
      report();
      document.body.dataset.afterClick = document.body.dataset.active ?? '';
      await emit('app-view', ready);
      await sleep(200);
    }
  }
  if (s === 'waiting-copy') {
    (document.getElementById('copy-sign-in-link') as HTMLButtonElement).click();
    await sleep(2500);
  }
  if (s === 'waiting-cancel') {
    (document.getElementById('cancel-sign-in') as HTMLButtonElement).click();
    await sleep(300);
  }
  await tick();
  report();
})();
