// Keeping keyboard focus somewhere sensible when the element that had it goes away, and
// putting it where typing can start when a screen opens.

/**
 * After an answer re-rendered the screen: when the focused control disappeared (focus fell
 * back to the page), focus `fallback` (a section heading with tabindex="-1").
 */
export function focusIfLost(fallback: HTMLElement | null | undefined, doc: Document = document): void {
  const active = doc.activeElement;
  if (active && active !== doc.body && active.isConnected) return;
  fallback?.focus();
}

/** The attribute a screen puts on the field that takes focus when it opens. */
export const AUTOFOCUS_ATTRIBUTE = 'data-autofocus';

/** The part of the DOM a screen lives in (just what `focusNewScreen` needs of it). */
export interface ScreenRoot {
  querySelector(selectors: string): FocusableLike | null;
}

export interface FocusableLike {
  focus(): void;
  textContent: string | null;
}

/**
 * A screen just opened: focus its first field (`data-autofocus`) when it has one, so a code
 * or password typed at once lands in it; else its heading (tabindex="-1"), which screen
 * readers then read. Answers what to announce: the heading's text when focus went to a
 * field (the field's own label is read, not the heading), else ''.
 */
export function focusNewScreen(root: ScreenRoot | null | undefined): string {
  if (!root) return '';
  const heading = root.querySelector('h1');
  const field = root.querySelector(`[${AUTOFOCUS_ATTRIBUTE}]`);
  if (field) {
    field.focus();
    return heading?.textContent?.trim() ?? '';
  }
  heading?.focus();
  return '';
}
