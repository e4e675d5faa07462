import { describe, expect, it } from 'vitest';
import { focusNewScreen, type FocusableLike, type ScreenRoot } from './focus';

function element(name: string, text: string, focused: string[]): FocusableLike {
  return { textContent: text, focus: () => focused.push(name) };
}

function screen(parts: Record<string, FocusableLike>): ScreenRoot {
  return { querySelector: (selector: string) => parts[selector] ?? null };
}

describe('focusNewScreen', () => {
  it('focuses the first field and announces the heading, so a code typed at once is kept', () => {
    const focused: string[] = [];
    const root = screen({
      h1: element('heading', ' Enter your authenticator code ', focused),
      '[data-autofocus]': element('code field', '', focused),
    });
    expect(focusNewScreen(root)).toBe('Enter your authenticator code');
    expect(focused).toEqual(['code field']);
  });

  it('focuses the heading of a screen without a field, with nothing more to announce', () => {
    const focused: string[] = [];
    const root = screen({ h1: element('heading', 'Continue in your browser', focused) });
    expect(focusNewScreen(root)).toBe('');
    expect(focused).toEqual(['heading']);
  });

  it('does nothing without a screen', () => {
    expect(focusNewScreen(undefined)).toBe('');
  });
});
