// Renders the screen's first frame on the server (no DOM needed) to check its structure.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../lib/bridge';
import SignInScreen from './SignInScreen.svelte';

const never = <T>() => new Promise<T>(() => {});
const backend: Backend = { appInfo: never, portalStatus: never };

describe('SignInScreen markup', () => {
  const { body } = render(SignInScreen, { props: { backend } });

  it('has the heading, app name and the three built-in providers', () => {
    expect(body).toMatch(/<h1[^>]*>Sign in<\/h1>/);
    expect(body).toContain('Switchboard');
    for (const [id, name] of [
      ['google', 'Google'],
      ['microsoft', 'Microsoft'],
      ['apple', 'Apple'],
    ]) {
      expect(body).toMatch(new RegExp(`<button[^>]*data-provider="${id}"[^>]*>[\\s\\S]*?Sign in with ${name}`));
    }
  });

  it('labels the password form fields', () => {
    expect(body).toMatch(/<label for="username"[^>]*>Username or email<\/label>/);
    expect(body).toMatch(/<input[^>]*id="username"[^>]*autocomplete="username"/);
    expect(body).toMatch(/<label for="password"[^>]*>Password<\/label>/);
    expect(body).toMatch(/<input[^>]*id="password"[^>]*type="password"[^>]*autocomplete="current-password"/);
    expect(body).toMatch(/<button id="password-sign-in"[^>]*type="submit"[^>]*>Sign in<\/button>/);
  });

  it('starts by checking the portal, in a polite live region', () => {
    expect(body).toMatch(/<p id="portal-status"[^>]*role="status"[^>]*aria-live="polite"[^>]*data-state="checking"/);
    expect(body).toContain('Checking the portal…');
    expect(body).toMatch(/class="spinner[^"]*" aria-hidden="true"/);
    expect(body).not.toContain('retry-portal');
    expect(body).toMatch(/id="sign-in-notice"[^>]*role="status"/);
  });
});
